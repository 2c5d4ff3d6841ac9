"""The request desk at scale: 100,000 requests over 50 departments.

Prints, per case, p50 and p95 over repeated calls: `govopen_request_list` first page (20) as a
department editor and as the data authority (who sees all 100,000); the department queue page
(HTTP through the Flask test client, API-token login); one full deadline sweep over everything
(the real work, then a second run that must change nothing); and peak memory (tracemalloc during
each phase, ru_maxrss of the process). Targets on the 2-core machine: list and queue p95 under
200 ms, sweep under 10 s. The sweep's changes are undone afterwards (its own rows deleted,
statuses restored), so every run measures the same work. Usage: `make bench`.
"""
from __future__ import annotations

import os
import pathlib
import resource
import statistics
import sys
import time
import tracemalloc
import uuid

import sqlalchemy as sa

HERE = pathlib.Path(__file__).resolve().parent
N_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))
N_DEPTS = 50
N_APPLICANTS = N_REQUESTS // 100
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))
PAGE_ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "50"))


def _load():
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    return make_app(load_config(str(HERE / "bench.ini")))


def _org(model, name: str, title: str, department_type: str = "ordinary") -> str:
    org = model.Session.query(model.Group).filter(model.Group.name == name).one_or_none()
    if org is None:
        org = model.Group(name=name, title=title, type="organization", is_organization=True,
                          approval_status="approved")
        org.extras = {"department_type": department_type}
        model.Session.add(org)
        model.Session.flush()
    return org.id


def _user(model, name: str) -> str:
    user = model.User.get(name)
    if user is None:
        user = model.User(name=name, email=f"{name}@bench.example.gov.cn", fullname=name)
        model.Session.add(user)
        model.Session.flush()
    return user.id


def _member(model, user_id: str, org_id: str, capacity: str) -> None:
    if not model.Session.query(model.Member).filter_by(table_id=user_id, group_id=org_id, state="active").count():
        # group=, not group_id=: Member's constructor sets the relationship, which wins at flush.
        model.Session.add(model.Member(table_name="user", table_id=user_id, group=model.Group.get(org_id),
                                       capacity=capacity, state="active"))


def _populate(model) -> dict:
    """Departments, editors, the data authority, datasets, applicants and the requests, in bulk;
    what exists is reused."""
    s = model.Session
    orgs = [_org(model, f"bench-dept-{d:02d}", f"部门{d:02d}") for d in range(N_DEPTS)]
    authority = _org(model, "bench-authority", "数据资源局（基准）", "data_authority")
    editors = [_user(model, f"bench-editor-{d:02d}") for d in range(N_DEPTS)]
    for user_id, org_id in zip(editors, orgs):
        _member(model, user_id, org_id, "editor")
    officer = _user(model, "bench-officer")
    _member(model, officer, authority, "member")
    s.commit()
    have = s.execute(sa.text("SELECT count(*) FROM govopen_request WHERE applicant ->> 'bench' = '1'")).scalar()
    if have >= N_REQUESTS:
        print(f"data: {have} requests already there", flush=True)
        return {"orgs": orgs}
    t0 = time.perf_counter()
    pkgs, owners = [], []
    for d, org_id in enumerate(orgs):
        for k in range(2):
            name = f"reqbench-{d:02d}-{k}"
            pkg = model.Package.get(name)
            if pkg is None:
                pkg = model.Package(id=str(uuid.uuid4()), name=name, title=f"申请基准数据集{d:02d}-{k}", owner_org=org_id,
                                    type="dataset", state="active", private=False,
                                    extras={"open_category": "on_application", "share_category": "conditional"})
                s.add(pkg)
                s.add(model.Resource(package_id=pkg.id, url="https://intranet.example/x.csv", name="数据", format="CSV"))
            pkgs.append(pkg.id)
            owners.append(org_id)
    s.flush()
    applicants = [f"bench-applicant-{i:04d}" for i in range(N_APPLICANTS)]
    existing = {n for (n,) in s.query(model.User.name).filter(model.User.name.like("bench-applicant-%"))}
    s.add_all([model.User(name=n, email=f"{n}@bench.example.gov.cn", fullname=n) for n in applicants if n not in existing])
    s.commit()
    users = [u for (u,) in s.query(model.User.id).filter(model.User.name.like("bench-applicant-%")).order_by(model.User.name)]
    print(f"data: {len(orgs)} departments, {len(pkgs)} datasets, {len(users)} applicants; inserting "
          f"{N_REQUESTS - have} requests…", flush=True)
    # Kinds in turn; half open (every open status), half closed; due dates from 60 days ago to
    # 29 days ahead, so thousands are overdue.
    s.execute(sa.text("""
        INSERT INTO govopen_request (id, number, kind, status, escalated, package_id, owner_org, resource_ids,
                                     user_id, applicant_org, applicant, policy, due, pauses, decision, created, modified, closed)
        SELECT gen_random_uuid()::text, nextval('govopen_request_number_seq'), k.kind, st.status, false,
               (:pkgs)[1 + i % :npkg], (:owners)[1 + i % :npkg], '[]'::jsonb, (:users)[1 + i % :nusers],
               CASE WHEN k.kind = 'share_application' THEN (:owners)[1 + (i + 2) % :npkg] END,
               jsonb_build_object('applicant_name', '申请人' || i, 'bench', '1', 'bench_status', st.status,
                                  'requested_until', to_char(current_date + 120, 'YYYY-MM-DD')),
               'chaohu', current_date + ((i * 7919) % 90) - 60, '[]'::jsonb, '{}'::jsonb,
               now() at time zone 'utc' - interval '70 days', now() at time zone 'utc',
               CASE WHEN st.status IN ('approved', 'rejected', 'upheld', 'dismissed')
                    THEN now() at time zone 'utc' - interval '1 day' END
        FROM generate_series(:start, :stop) AS i
        CROSS JOIN LATERAL (SELECT (ARRAY['open_application', 'share_application', 'objection', 'correction'])[1 + i % 4] AS kind) k
        CROSS JOIN LATERAL (SELECT CASE
            WHEN i % 10 < 5 THEN (ARRAY['submitted', 'accepted', 'info_requested', 'resubmitted', 'submitted'])[1 + i % 10]
            WHEN k.kind IN ('open_application', 'share_application') THEN (ARRAY['approved', 'rejected'])[1 + (i / 10) % 2]
            ELSE (ARRAY['upheld', 'dismissed'])[1 + (i / 10) % 2] END AS status) st
    """), {"pkgs": pkgs, "owners": owners, "npkg": len(pkgs), "users": users, "nusers": len(users),
           "start": have + 1, "stop": N_REQUESTS})
    s.execute(sa.text("""
        INSERT INTO govopen_request_event (request_id, actor_id, action, from_status, to_status, created)
        SELECT r.id, r.user_id, 'create', NULL, 'submitted', r.created FROM govopen_request r
        WHERE r.applicant ->> 'bench' = '1'
          AND NOT EXISTS (SELECT 1 FROM govopen_request_event e WHERE e.request_id = r.id)"""))
    s.execute(sa.text("""
        INSERT INTO govopen_grant (id, request_id, package_id, resource_ids, holder_type, holder_id, expires, created)
        SELECT gen_random_uuid()::text, r.id, r.package_id, '[]'::jsonb,
               CASE WHEN r.kind = 'share_application' THEN 'department' ELSE 'user' END,
               CASE WHEN r.kind = 'share_application' THEN r.applicant_org ELSE r.user_id END,
               now() at time zone 'utc' + interval '1 day' * (r.number % 30), now() at time zone 'utc'
        FROM govopen_request r WHERE r.applicant ->> 'bench' = '1' AND r.status = 'approved'
        ON CONFLICT (request_id) DO NOTHING"""))
    s.commit()
    s.execute(sa.text("ANALYZE govopen_request; ANALYZE govopen_request_event; ANALYZE govopen_grant"))
    s.commit()
    print(f"data: inserted in {time.perf_counter() - t0:.1f}s", flush=True)
    return {"orgs": orgs}


def _undo_sweep(model) -> None:
    """Put back what a sweep changed in the bench data (and any half-finished earlier run)."""
    s = model.Session
    s.execute(sa.text("""
        DELETE FROM govopen_grant g USING govopen_request r
        WHERE g.request_id = r.id AND r.status = 'deemed_approved' AND r.applicant ->> 'bench' = '1'"""))
    s.execute(sa.text("DELETE FROM govopen_request_event WHERE action IN ('escalate', 'deem_approve')"))
    s.execute(sa.text("""
        UPDATE govopen_request SET status = applicant ->> 'bench_status', escalated = false,
               decision = CASE WHEN status = 'deemed_approved' THEN '{}'::jsonb ELSE decision END,
               closed = CASE WHEN status = 'deemed_approved' THEN NULL ELSE closed END
        WHERE applicant ->> 'bench' = '1' AND (escalated OR status = 'deemed_approved')"""))
    s.execute(sa.text("DELETE FROM govopen_notification"))
    s.commit()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def _timed(fn, rounds: int) -> tuple[float, float, int]:
    """p50 and p95 of ROUNDS calls, then the peak of Python allocations over a few more calls
    (traced apart: tracemalloc slows Python down several times)."""
    fn()  # warm-up
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    tracemalloc.start()
    for _ in range(3):
        fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (*_percentiles(samples), peak)


def main() -> int:
    app = _load()
    flask_app = app._wsgi_app
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.lib import jobs

    from ckanext.govopen import sweep

    rows = []
    with flask_app.test_request_context():
        _populate(model)
        _undo_sweep(model)
        total = model.Session.execute(sa.text("SELECT count(*) FROM govopen_request")).scalar()
        overdue = model.Session.execute(sa.text(
            "SELECT count(*) FROM govopen_request WHERE status IN ('submitted', 'accepted', 'info_requested', "
            "'resubmitted') AND due < current_date")).scalar()
        print(f"portal: {total} requests, {overdue} open and overdue; {ROUNDS} calls per list figure, "
              f"{PAGE_ROUNDS} per page figure", flush=True)
        tokens = {name: tk.get_action("api_token_create")({"user": name, "ignore_auth": True},
                                                           {"user": name, "name": "bench"})["token"]
                  for name in ("bench-editor-00", "bench-officer")}

        def listing(user):
            return lambda: tk.get_action("govopen_request_list")({"user": user}, {"limit": 20, "to_departments": True})

        for label, user in (("govopen_request_list p1, department editor", "bench-editor-00"),
                            ("govopen_request_list p1, data authority (all)", "bench-officer")):
            count = tk.get_action("govopen_request_list")({"user": user}, {"limit": 1, "to_departments": True})["count"]
            rows.append((f"{label} [{count}]", *_timed(listing(user), ROUNDS), 200))

    client = flask_app.test_client()

    def page(url, token):
        def get():
            res = client.get(url, headers={"Authorization": token})
            assert res.status_code == 200 and b"govopen-requests" in res.data, res.status_code
        return get

    rows.append(("queue page, department editor", *_timed(page("/requests/queue?organization=bench-dept-00",
                                                               tokens["bench-editor-00"]), PAGE_ROUNDS), 200))
    rows.append(("queue page, data authority (all departments)",
                 *_timed(page("/requests/queue", tokens["bench-officer"]), PAGE_ROUNDS), 200))
    rows.append(("queue page, overdue filter, data authority",
                 *_timed(page("/requests/queue?overdue=1", tokens["bench-officer"]), PAGE_ROUNDS), 200))

    with flask_app.test_request_context():
        sweeps = []
        for label in ("sweep, first run (does the work)", "sweep, second run (nothing left)"):
            t0 = time.perf_counter()
            counts = sweep.run()
            sweeps.append([label, time.perf_counter() - t0, 0, counts])
        _undo_sweep(model)
        tracemalloc.start()  # the first run's memory, measured on a repeat of it
        sweep.run()
        sweeps[0][2] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        _undo_sweep(model)
        jobs.get_queue().empty()  # no worker runs here: drop the mail jobs the sweeps enqueued

    print(f"\n{'case':58} {'p50 ms':>8} {'p95 ms':>8} {'target':>8} {'peak MiB':>9}")
    for label, p50, p95, peak, target in rows:
        flag = "ok" if p95 < target else "OVER"
        print(f"{label:58} {p50:8.1f} {p95:8.1f} {'<' + str(target):>8} {peak / 2**20:9.1f}  {flag}")
    for label, elapsed, peak, counts in sweeps:
        flag = "ok" if elapsed < 10 else "OVER"
        done = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"{label:58} {elapsed * 1000:8.0f} {'':>8} {'<10000':>8} {peak / 2**20:9.1f}  {flag}  ({done})")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
