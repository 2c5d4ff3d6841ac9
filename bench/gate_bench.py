"""Cost of the access gate on a 10,000-dataset portal.

Measures package_search (100 results) and package_show with the gate on and, in the same
run and on the same data, with the gate's hooks switched off (the baseline), and counts the
SQL statements each call issues: the gate may not add per-result queries.
Target: ratio under 1.2x. Usage: `make bench` (prepares the database and core first).
"""
from __future__ import annotations

import os
import pathlib
import random
import statistics
import sys
import time
import uuid

import sqlalchemy as sa

HERE = pathlib.Path(__file__).resolve().parent
N_DATASETS = int(os.environ.get("BENCH_DATASETS", "10000"))
N_ORGS = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))


def _load():
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    conf = load_config(str(HERE / "bench.ini"))
    app = make_app(conf)
    return app


def _populate(model, tk) -> None:
    """Create what is missing of N_DATASETS datasets (a third per open category), in bulk."""
    have = model.Session.query(model.Package).filter(model.Package.state == "active").count()
    if have >= N_DATASETS:
        print(f"data: {have} datasets already there", flush=True)
        return
    from ckan.lib import search

    orgs = [g.id for g in model.Session.query(model.Group).filter(model.Group.is_organization.is_(True))]
    while len(orgs) < N_ORGS:
        org = model.Group(name=f"bench-dept-{len(orgs):02d}", title=f"部门{len(orgs):02d}",
                          type="organization", is_organization=True, approval_status="approved")
        model.Session.add(org)
        model.Session.flush()
        orgs.append(org.id)
    model.Session.commit()
    rng = random.Random(7)
    cats = [("unconditional", "unconditional"), ("on_application", "conditional"), ("not_open", "not_shared")]
    ids = []
    t0 = time.perf_counter()
    for i in range(have, N_DATASETS):
        open_cat, share_cat = cats[i % 3]
        pkg = model.Package(id=str(uuid.uuid4()), name=f"bench-{i:05d}", title=f"基准数据集{i} 人口 交通",
                            notes="用于测量门禁开销的数据集", owner_org=rng.choice(orgs), type="dataset",
                            state="active", private=False,
                            extras={"open_category": open_cat, "share_category": share_cat,
                                    "open_conditions": "c", "open_legal_basis": "b", "share_conditions": "c",
                                    "share_legal_basis": "b", "resource_class": "department",
                                    "catalogue_code": f"307001/{i:06d}", "update_frequency": "monthly",
                                    "origin_portal": "govopen_bench", "themes": '["交通"]'})
        model.Session.add(pkg)
        for r in range(2):
            res = model.Resource(package_id=pkg.id, url=f"https://intranet.example/{uuid.uuid4().hex}.csv",
                                 name=f"资源{r}", format="CSV")
            res.position = r
            model.Session.add(res)
        ids.append(pkg.id)
        if len(ids) % 1000 == 0:
            model.Session.commit()
            print(f"  created {i + 1}/{N_DATASETS}", flush=True)
    model.Session.commit()
    print(f"data: created {len(ids)} datasets in {time.perf_counter() - t0:.0f}s; indexing…", flush=True)
    t0 = time.perf_counter()
    for n, pkg_id in enumerate(ids, 1):
        search.rebuild(pkg_id, defer_commit=True)
        if n % 1000 == 0:
            search.commit()
            print(f"  indexed {n}/{len(ids)} ({time.perf_counter() - t0:.0f}s)", flush=True)
    search.commit()


class _Counter:
    def __init__(self, engine):
        self.n = 0
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *args, **kw):
        self.n += 1


def _measure_pair(fn, counter, gate_module):
    """Alternate gate on and off round by round, so that drift on a busy machine hits both."""
    real = gate_module.filter_package_dict
    off_filter = lambda context, pkg_dict: pkg_dict  # baseline: the gate's output hook off
    results = {"on": ([], []), "off": ([], [])}
    for i in range(ROUNDS + 1):
        for mode in ("on", "off"):
            gate_module.filter_package_dict = real if mode == "on" else off_filter
            before = counter.n
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            if i:  # the first round warms up
                results[mode][0].append(elapsed)
                results[mode][1].append(counter.n - before)
    gate_module.filter_package_dict = real
    return {mode: {"median_ms": statistics.median(t) * 1000, "queries": max(q)}
            for mode, (t, q) in results.items()}


def main() -> int:
    app = _load()
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.tests import factories

    from ckanext.govopen.access import gate

    with app._wsgi_app.test_request_context():
        _populate(model, tk)
        counter = _Counter(model.Session.get_bind())
        official = model.User.get("bench-official") or model.User.get(
            factories.User(name="bench-official")["name"])
        org = model.Session.query(model.Group).filter(model.Group.name == "bench-dept-00").one()
        if not model.Session.query(model.Member).filter_by(table_id=official.id, group_id=org.id).count():
            # group=, not group_id=: Member's constructor sets the relationship, which wins at flush.
            model.Session.add(model.Member(table_name="user", table_id=official.id, group=org,
                                           capacity="member", state="active"))
            model.Session.commit()
        restricted = model.Session.query(model.Package).filter(
            model.Package.name.like("bench-%"), model.Package.owner_org == org.id,
            model.Package.extras["open_category"].astext == "not_open").first()
        total = tk.get_action("package_search")({}, {"rows": 0})["count"]
        print(f"portal: {total} datasets indexed, {ROUNDS} rounds per figure")

        def search(user):
            return lambda: tk.get_action("package_search")({"user": user}, {"q": "人口", "rows": 100})

        def show(user):
            return lambda: tk.get_action("package_show")({"user": user}, {"id": restricted.id})

        cases = [("package_search 100 rows, anonymous", search("")),
                 ("package_search 100 rows, department member", search(official.name)),
                 ("package_show restricted, owner member", show(official.name)),
                 ("package_show restricted, anonymous", show(""))]
        rows = []
        for label, fn in cases:
            pair = _measure_pair(fn, counter, gate)
            rows.append((label, pair["on"], pair["off"]))

    print(f"{'case (median of ' + str(ROUNDS) + ')':44} {'gate on ms':>10} {'off ms':>8} {'ratio':>6} "
          f"{'SQL on':>7} {'SQL off':>8}")
    worst = 0.0
    for label, on, off in rows:
        ratio = on["median_ms"] / off["median_ms"]
        worst = max(worst, ratio)
        print(f"{label:44} {on['median_ms']:10.1f} {off['median_ms']:8.1f} {ratio:6.2f} "
              f"{on['queries']:7d} {off['queries']:8d}")
    print(f"worst ratio {worst:.2f} (target < 1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
