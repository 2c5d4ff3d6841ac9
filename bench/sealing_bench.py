"""Cost of sealing applicants' identifiers (security/sealing.py) where requests are read.

Measures, on 1,000 applicant records of a request list's shape (name, purpose, an ID number or
a credit code), reading them as the database returns them: JSON parsed and the identifiers
unsealed (what SealedJSON does on every read), against JSON parsed alone (the baseline, in the
same run). Also the writes: sealing one record. Pure: no database, no CKAN.
Target: a page of 100 requests costs under 5 ms more to read. Usage: `make bench`, or
`python bench/sealing_bench.py`.
"""
from __future__ import annotations

import json
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from ckanext.govopen.requests.rules import IDENTIFIER_FIELDS  # noqa: E402
from ckanext.govopen.security import sealing  # noqa: E402

RECORDS = 1000
ROUNDS = 20


def _records(ring: sealing.Keyring) -> list[str]:
    out = []
    for i in range(RECORDS):
        record = {"applicant_type": "person" if i % 2 else "company", "applicant_name": f"申请人{i}",
                  "purpose": "出生率研究" * 5, "scenario": "高校课题", "requested_until": "2027-06-30"}
        record["id_number" if i % 2 else "credit_code"] = f"34018119900307{i:04d}"
        out.append(json.dumps(sealing.seal_fields(record, IDENTIFIER_FIELDS, ring), ensure_ascii=False))
    return out


def _time(work) -> float:
    runs = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    # Two keys, the data sealed with the older one: the slow path of a rotation in progress.
    old, new = sealing.new_key(), sealing.new_key()
    stored = _records(sealing.keyring(old))
    ring = sealing.keyring(f"{new} {old}")
    plain = _time(lambda: [json.loads(s) for s in stored])
    unsealed = _time(lambda: [sealing.unseal_fields(json.loads(s), IDENTIFIER_FIELDS, ring) for s in stored])
    current = sealing.keyring(new)
    sealed_new = _records(current)
    unsealed_current = _time(lambda: [sealing.unseal_fields(json.loads(s), IDENTIFIER_FIELDS, current) for s in sealed_new])
    record = {"applicant_name": "李研究", "id_number": "340181199003071234"}
    seal_one = _time(lambda: [sealing.seal_fields(record, IDENTIFIER_FIELDS, current) for _ in range(RECORDS)]) / RECORDS
    per_page = (unsealed_current - plain) / RECORDS * 100 * 1000  # ms
    print(f"read {RECORDS} records: JSON only {plain * 1000:.1f} ms (baseline); unsealed with the current key "
          f"{unsealed_current * 1000:.1f} ms ({unsealed_current / plain:.1f}x); with the older of two keys "
          f"{unsealed * 1000:.1f} ms ({unsealed / plain:.1f}x)")
    print(f"a page of 100 requests: +{per_page:.2f} ms to unseal (target < 5 ms: "
          f"{'met' if per_page < 5 else 'NOT met'}); sealing one record {seal_one * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
