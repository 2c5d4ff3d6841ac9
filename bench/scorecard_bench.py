"""The yearly department scorecard at scale (issue #18): 50 departments, 20,000 catalogue
entries, 100,000 requests, change events and usage figures.

Prints p50/p95 over BENCH_SCORECARD_ROUNDS (10) computations of this year's scorecard for the
data authority (`collect.scorecard`, every department: catalogue health at the period's end,
request figures, upkeep, usage, score, rank; never the frozen snapshot), of the public figures
the tiers above read (`collect.public_figures`), and of the public catalogue health alone; the
row counts behind them; and the peak memory (tracemalloc) of one scorecard. Target: the yearly
scorecard under 1 s. No baseline: nothing simpler computes the same figures.

The departments and requests are the request bench's (reused when there, populated otherwise);
the entries are topped up to BENCH_SCORECARD_ENTRIES (20,000) with full catalogue fields, and
200 change events and a year of usage days are added once. Usage: `make bench`, or
`python bench/scorecard_bench.py` once `make bench` has prepared the database.
"""
from __future__ import annotations

import datetime
import os
import pathlib
import random
import statistics
import sys
import time
import tracemalloc
import uuid

import sqlalchemy as sa

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
N_ENTRIES = int(os.environ.get("BENCH_SCORECARD_ENTRIES", "20000"))
ROUNDS = int(os.environ.get("BENCH_SCORECARD_ROUNDS", "10"))
N_EVENTS = 200
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "annual", "other")


def _entries(model, orgs: list[str], today: datetime.date) -> None:
    """Top the catalogue up to N_ENTRIES active entries of the bench departments, in bulk."""
    s = model.Session
    have = s.query(model.Package).filter(model.Package.state == "active", model.Package.type == "dataset",
                                         model.Package.owner_org.in_(orgs)).count()
    if have >= N_ENTRIES:
        print(f"data: {have} entries already there", flush=True)
        return
    rng = random.Random(18)
    t0 = time.perf_counter()
    for i in range(have, N_ENTRIES):
        open_cat = ("unconditional", "on_application", "not_open")[i % 3]
        pkg = model.Package(
            id=str(uuid.uuid4()), name=f"scorebench-{i:05d}", title=f"考核基准目录{i}", notes="用于测量考核的目录",
            owner_org=orgs[i % len(orgs)], type="dataset", state="active", private=i % 10 == 0,
            extras={"open_category": open_cat, "share_category": ("unconditional", "conditional", "not_shared")[i % 3],
                    "open_conditions": "c" if i % 7 else "", "open_legal_basis": "b", "share_conditions": "c",
                    "share_legal_basis": "b", "resource_class": "department", "catalogue_code": f"307002/{i:06d}",
                    "classification_code": "307002", "update_frequency": FREQUENCIES[i % len(FREQUENCIES)],
                    "format_type": ("csv", "xlsx", "pdf", "json")[i % 4], "themes": '["交通"]',
                    "data_items": '[{"name": "编号", "type": "C", "length": 20}]',
                    "data_updated": (today - datetime.timedelta(days=rng.randrange(0, 400))).isoformat()})
        s.add(pkg)
        if i % 2:
            s.add(model.Resource(package_id=pkg.id, url=f"https://intranet.example/{pkg.name}.csv", name="数据",
                                 format="CSV", last_modified=datetime.datetime.combine(
                                     today - datetime.timedelta(days=rng.randrange(0, 200)), datetime.time(3))))
        if (i + 1) % 2000 == 0:
            s.commit()
            print(f"  entries {i + 1}/{N_ENTRIES}", flush=True)
    s.commit()
    print(f"data: entries topped up to {N_ENTRIES} in {time.perf_counter() - t0:.0f}s", flush=True)


def _events_and_usage(model, orgs: list[str], today: datetime.date) -> None:
    from ckanext.govopen.model import ChangeEvent

    s = model.Session
    if s.query(ChangeEvent).count() < N_EVENTS:
        start = datetime.date(today.year, 1, 1)
        span = max(1, (today - start).days)
        s.add_all([ChangeEvent(owner_org=orgs[i % len(orgs)], happened=start + datetime.timedelta(days=(i * 37) % span),
                               reason=f"基准变更 {i}", created=datetime.datetime.now(), created_by="bench")
                   for i in range(N_EVENTS)])
    s.execute(sa.text("""
        INSERT INTO govopen_usage_day (day, package_id, kind, count)
        SELECT CAST(:start AS date) + CAST(n % 300 AS int), p.id, k, CAST(1 + n % 17 AS int)
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM package WHERE name LIKE 'scorebench-%') p
        CROSS JOIN unnest(ARRAY['view', 'download', 'api']) AS k
        ON CONFLICT DO NOTHING"""), {"start": datetime.date(today.year, 1, 1)})
    s.commit()


def _timed(fn, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(1000 * (time.perf_counter() - t0))
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def main() -> int:
    import request_bench

    app = request_bench._load()
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from ckanext.govopen.requests import store
    from ckanext.govopen.scorecard import collect, figures

    today = store.today()
    year = str(today.year)
    with app._wsgi_app.test_request_context():
        request_bench._populate(model, today)
        orgs = [g.id for g in model.Session.query(model.Group).filter(model.Group.name.like("bench-dept-%"))
                .order_by(model.Group.name)]
        _entries(model, orgs, today)
        _events_and_usage(model, orgs, today)
        model.Session.execute(sa.text("ANALYZE"))
        weights = figures.parse_weights(tk.config["ckanext.govopen.scorecard.weights"])
        card = collect.scorecard(year, today, weights)
        entries = sum(d["entries"] for d in card["departments"])
        received = sum(d["requests"]["received"] for d in card["departments"])
        events = sum(d["upkeep"]["events"] for d in card["departments"])
        print(f"scorecard {year}: {len(card['departments'])} departments, {entries} entries, "
              f"{received} requests received in the year, {events} change events due in it", flush=True)
        rows = [("yearly scorecard (data authority, all departments)",
                 *_timed(lambda: (collect.scorecard(year, today, weights), model.Session.rollback()), ROUNDS)),
                ("public figures for the tiers above",
                 *_timed(lambda: (collect.public_figures(year, today), model.Session.rollback()), ROUNDS)),
                ("public catalogue health",
                 *_timed(lambda: (collect.catalogue_health(today), model.Session.rollback()), ROUNDS))]
        tracemalloc.start()
        collect.scorecard(year, today, weights)
        peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
    width = max(len(r[0]) for r in rows)
    for label, p50, p95 in rows:
        print(f"{label:<{width}}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)
    print(f"peak Python memory of one yearly scorecard: {peak:.1f} MiB", flush=True)
    target = rows[0][2] < 1000
    print(f"target (yearly scorecard p95 < 1 s): {'met' if target else 'NOT met'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
