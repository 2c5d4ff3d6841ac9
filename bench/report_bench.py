"""Push reporting (the cascade) of a city of BENCH_REPORT_DATASETS (10,000) entries to its province.

Two portals on loopback, made fresh by scripts/portal.sh: `bench_rcity` (filled in bulk like the
sync bench's city) and `bench_rprov` (a govopen portal receiving, with the city registered as a
push source). Prints: the first report (entries/s, peak memory of the reporting process; the
receiving portal is a `ckan run` server whose memory is not measured here), and re-reports with
0% and 1% of the entries changed (entries sent and written must equal the changes).
Usage: `BENCH_REPORT_DATASETS=1000 python bench/report_bench.py` with the services running.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from sync_bench import CKAN, FILL, ROOT, change_one_percent, portal, timed  # noqa: E402

N = int(os.environ.get("BENCH_REPORT_DATASETS", "10000"))
BASE = int(os.environ.get("BENCH_REPORT_PORT", "5084"))
SECRET = uuid.uuid4().hex


def figures(out: str) -> dict[str, int]:
    m = re.search(r"(\d+) listed, (\d+) sent; (\d+) added, (\d+) updated, (\d+) withdrawn, (\d+) with errors", out)
    if not m:
        raise SystemExit(f"no figures in:\n{out}")
    return dict(zip(("listed", "sent", "added", "updated", "withdrawn", "errored"), map(int, m.groups())))


def main() -> int:
    print(f"push report bench: a city of {N} entries", flush=True)
    city = portal("bench_rcity", BASE)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-c", FILL, str(city.ini), str(N)], check=True)
    prov = portal("bench_rprov", BASE + 1)
    prov.api("organization_create", prov.sysadmin_token(), name="data-authority", title="省数据资源局",
             department_code="11340000MB0000001Q", region_code="340000", department_type="data_authority")
    subprocess.run([CKAN, "-c", str(prov.ini), "govopen", "sync", "add", "city", city.url, "--target", "open_portal",
                    "--push"], check=True, capture_output=True)
    (prov.ini.parent / "sync-origins.json").write_text(json.dumps({city.url: SECRET}))
    (city.ini.parent / "sync-targets.json").write_text(json.dumps(
        {"province": {"url": prov.url, "secret": SECRET, "target": "open_portal"}}))
    run = [CKAN, "-c", str(city.ini), "govopen", "report", "--target", "province", "--quiet"]

    first, peak, out = timed(run)
    f = figures(out)
    print(f"first report: {f['added']} entries written in {first:.1f}s = {f['added'] / first:.1f} entries/s, "
          f"peak {peak} MiB (reporting process), {f['errored']} errors", flush=True)
    again, _peak, out = timed(run)
    f = figures(out)
    print(f"re-report, 0% changed: {again:.1f}s, sent {f['sent']}, writes {f['added'] + f['updated']} (changes 0)",
          flush=True)

    names = change_one_percent(city, N)
    one, _peak, out = timed(run)
    f = figures(out)
    print(f"re-report, 1% changed: {one:.1f}s, sent {f['sent']}, writes {f['added'] + f['updated']} "
          f"(changes {len(names)})", flush=True)
    for p in (city, prov):
        subprocess.run(["bash", str(ROOT / "scripts/portal.sh"), "stop", p.name], check=False,
                       stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
