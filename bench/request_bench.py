"""The request desk at scale: 100,000 requests over 50 departments.

Prints, per case, p50 and p95 over repeated calls: `govopen_request_list` first page (20) as a
department editor and as the data authority (who sees all 100,000), through `tk.get_action`
with the user's context so auth runs; the department queue page (HTTP through the Flask test
client, API-token login); one full deadline sweep over everything (the real work, then a second
run that must change nothing); and memory (tracemalloc peak of each phase, the process's peak
RSS after each phase). Targets on the 2-core machine: list and queue p95 under 200 ms, sweep
under 10 s.

The sweep commits its own transaction, so it is measured for real and its changes are then
undone by SQL (`_undo_sweep`: the outbox, the grants and events it wrote, the statuses and flags
it set), followed by VACUUM ANALYZE, so every run measures the same work from the same state.
No mail goes out: the sweep's mail jobs land on this site's own RQ queue, which no worker reads
(checked before the sweep) and which is emptied afterwards. Usage: `make bench`.
"""
from __future__ import annotations

import datetime
import json
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
DATASETS_PER_DEPT = 4
N_APPLICANTS = max(1, N_REQUESTS // 100)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))
PAGE_ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "50"))
# Bench requests carry applicant.bench = DATA_VERSION; rows of another version are replaced,
# so a change to what is populated takes effect on the next run.
DATA_VERSION = "2"
# Due dates are laid out around the day of population; after this many days they are laid out again.
MAX_DATA_AGE_DAYS = 7
TABLES = ("govopen_request", "govopen_request_event", "govopen_grant", "govopen_notification")


def _load():
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    return make_app(load_config(str(HERE / "bench.ini")))


def _org(model, name: str, title: str, department_type: str | None = None) -> str:
    """The organization NAME (the gate bench's bench-dept-NN are reused), created if missing."""
    org = model.Session.query(model.Group).filter(model.Group.name == name).one_or_none()
    if org is None:
        org = model.Group(name=name, title=title, type="organization", is_organization=True,
                          approval_status="approved")
        model.Session.add(org)
        model.Session.flush()
    if department_type and (org.extras or {}).get("department_type") != department_type:
        org.extras = {**(org.extras or {}), "department_type": department_type}
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


def _datasets(model, orgs: list[str]) -> tuple[list[str], list[str], list[str]]:
    """DATASETS_PER_DEPT datasets per department (open on application, shared on conditions),
    with one or two resources each: (package ids, their owners, their resource ids as JSON)."""
    s = model.Session
    pkgs, owners, resources = [], [], []
    for d, org_id in enumerate(orgs):
        for k in range(DATASETS_PER_DEPT):
            name = f"reqbench-{d:02d}-{k}"
            pkg = model.Package.get(name)
            if pkg is None:
                pkg = model.Package(id=str(uuid.uuid4()), name=name, title=f"申请基准数据集{d:02d}-{k}",
                                    owner_org=org_id, type="dataset", state="active", private=False,
                                    extras={"open_category": "on_application", "share_category": "conditional",
                                            "open_conditions": "c", "share_conditions": "c",
                                            "open_legal_basis": "b", "share_legal_basis": "b"})
                s.add(pkg)
                s.flush()
            have = [r for r in pkg.resources if r.state == "active"]
            for n in range(len(have), 1 + k % 2):
                res = model.Resource(package_id=pkg.id, url=f"https://intranet.example/{name}-{n}.csv",
                                     name=f"数据{n}", format="CSV")
                res.position = n
                s.add(res)
                have.append(res)
            s.flush()
            pkgs.append(pkg.id)
            owners.append(org_id)
            resources.append(json.dumps(sorted(r.id for r in have)))
    return pkgs, owners, resources


def _populate(model, today) -> None:
    """Departments, editors, the data authority, datasets, applicants and the requests, in bulk;
    what exists is reused."""
    s = model.Session
    orgs = [_org(model, f"bench-dept-{d:02d}", f"部门{d:02d}") for d in range(N_DEPTS)]
    authority = _org(model, "bench-authority", "数据资源局（基准）", "data_authority")
    editors = [_user(model, f"bench-editor-{d:02d}") for d in range(N_DEPTS)]
    for user_id, org_id in zip(editors, orgs):
        _member(model, user_id, org_id, "editor")
    _member(model, _user(model, "bench-officer"), authority, "member")
    s.commit()
    have, since = s.execute(sa.text("""
        SELECT count(*), min(applicant ->> 'bench_day') FROM govopen_request WHERE applicant ->> 'bench' = :v"""),
        {"v": DATA_VERSION}).one()
    fresh = since is not None and (today - datetime.date.fromisoformat(since)).days <= MAX_DATA_AGE_DAYS
    if have >= N_REQUESTS and fresh:
        print(f"data: {have} requests already there (filed on {since})", flush=True)
        return
    t0 = time.perf_counter()
    # Earlier versions of the bench data go first, and data so old that its due dates have
    # drifted; the outbox before the requests, since its cascades have no index to use.
    old = ("SELECT id FROM govopen_request WHERE applicant ? 'bench' AND (applicant ->> 'bench' <> :v"
           + ("" if fresh else " OR true") + ")")
    s.execute(sa.text("SET LOCAL govopen.allow_delete = 'on'"))  # the audit trail refuses deletion otherwise
    s.execute(sa.text(f"DELETE FROM govopen_notification WHERE request_id IN ({old})"), {"v": DATA_VERSION})
    gone = s.execute(sa.text(f"DELETE FROM govopen_request WHERE id IN ({old})"), {"v": DATA_VERSION}).rowcount
    have = 0 if not fresh else have
    pkgs, owners, resources = _datasets(model, orgs)
    applicants = [f"bench-applicant-{i:04d}" for i in range(N_APPLICANTS)]
    existing = {n for (n,) in s.query(model.User.name).filter(model.User.name.like("bench-applicant-%"))}
    s.add_all([model.User(name=n, email=f"{n}@bench.example.gov.cn", fullname=n) for n in applicants if n not in existing])
    s.commit()
    users = [u for (u,) in s.query(model.User.id).filter(model.User.name.in_(applicants)).order_by(model.User.name)]
    print(f"data: {gone} requests of an older bench removed; {len(orgs)} departments, {len(pkgs)} datasets, "
          f"{len(users)} applicants; inserting {N_REQUESTS - have} requests…", flush=True)
    # Kind from i % 4, status from i / 4 (independent of the kind): half open, in every open
    # status, half closed. Due dates from 60 days ago to 30 days ahead, so thousands are overdue;
    # filed 10-14 days before the due date (no later than today), at a time of day of its own;
    # closed a few days after filing (never in the future). Share applications come from a
    # department three further on. Waiting-for-information requests have their clock paused.
    s.execute(sa.text("""
        INSERT INTO govopen_request (id, number, kind, status, escalated, package_id, owner_org, resource_ids,
                                     user_id, applicant_org, applicant, policy, accept_due, due, pauses, decision,
                                     created, modified, closed)
        SELECT gen_random_uuid()::text, nextval('govopen_request_number_seq'), k.kind, st.status, false,
               (:pkgs)[p], (:owners)[p], CAST((:resources)[p] AS jsonb), (:users)[1 + i % :nusers],
               CASE WHEN k.kind = 'share_application' THEN (:owners)[1 + (p - 1 + 3 * :per_dept) % :npkg] END,
               jsonb_build_object('applicant_type', CASE WHEN k.kind = 'share_application' THEN 'department'
                                                         ELSE 'person' END,
                                  'applicant_name', '申请人' || i, 'bench', CAST(:version AS text),
                                  'bench_day', CAST(:today AS text),
                                  'requested_until', CAST(:today AS date) + 120),
               'chaohu', CAST(f.filed AS date) + 3, d.due,
               CASE WHEN st.status = 'info_requested' THEN jsonb_build_array(jsonb_build_array(
                    to_char(CAST(f.filed AS date) + 2, 'YYYY-MM-DD'), NULL)) ELSE '[]'::jsonb END,
               CASE WHEN st.closed THEN jsonb_build_object('decision', st.status) ELSE '{}'::jsonb END,
               f.filed, c.modified, CASE WHEN st.closed THEN c.modified END
        FROM generate_series(CAST(:start AS int), CAST(:stop AS int)) AS i
        CROSS JOIN LATERAL (SELECT 1 + i % :npkg AS p) pk
        CROSS JOIN LATERAL (SELECT (ARRAY['open_application', 'share_application', 'objection',
                                          'correction'])[1 + i % 4] AS kind) k
        CROSS JOIN LATERAL (SELECT s AS status, s NOT IN ('submitted', 'accepted', 'info_requested', 'resubmitted') AS closed
            FROM (SELECT CASE
                WHEN (i / 4) % 10 < 5 THEN (ARRAY['submitted', 'accepted', 'info_requested', 'resubmitted',
                                                  'submitted'])[1 + (i / 4) % 10]
                WHEN k.kind IN ('open_application', 'share_application') THEN (ARRAY['approved', 'rejected'])[1 + (i / 40) % 2]
                ELSE (ARRAY['upheld', 'dismissed'])[1 + (i / 40) % 2] END AS s) x) st
        CROSS JOIN LATERAL (SELECT CAST(:today AS date) + ((i * 7919) % 91) - 60 AS due) d
        CROSS JOIN LATERAL (SELECT LEAST(CAST(d.due - 10 - i % 5 AS timestamp), CAST(:today AS date) - 1 - i % 3)
                                   + interval '1 second' * ((CAST(i AS bigint) * 104729) % 86400) AS filed) f
        CROSS JOIN LATERAL (SELECT LEAST(f.filed + interval '1 day' * (1 + i % 9),
                                         now() at time zone 'utc' - interval '1 hour') AS modified) c
    """), {"pkgs": pkgs, "owners": owners, "resources": resources, "npkg": len(pkgs), "per_dept": DATASETS_PER_DEPT,
           "users": users, "nusers": len(users), "start": have + 1, "stop": N_REQUESTS, "version": DATA_VERSION,
           "today": today})
    s.execute(sa.text("""
        INSERT INTO govopen_request_event (request_id, actor_id, action, from_status, to_status, created)
        SELECT r.id, r.user_id, 'create', NULL, 'submitted', r.created FROM govopen_request r
        WHERE r.applicant ->> 'bench' = :v
          AND NOT EXISTS (SELECT 1 FROM govopen_request_event e WHERE e.request_id = r.id)"""), {"v": DATA_VERSION})
    # Approved requests hold a grant: to the applicant, or to the applying department. Some end
    # within the notice period, some have ended.
    s.execute(sa.text("""
        INSERT INTO govopen_grant (id, request_id, package_id, resource_ids, holder_type, holder_id, expires, created)
        SELECT gen_random_uuid()::text, r.id, r.package_id, r.resource_ids,
               CASE WHEN r.kind = 'share_application' THEN 'department' ELSE 'user' END,
               CASE WHEN r.kind = 'share_application' THEN r.applicant_org ELSE r.user_id END,
               r.closed + interval '1 day' * (r.number % 120), r.closed
        FROM govopen_request r WHERE r.applicant ->> 'bench' = :v AND r.status = 'approved'
        ON CONFLICT (request_id) DO NOTHING"""), {"v": DATA_VERSION})
    s.commit()
    print(f"data: inserted in {time.perf_counter() - t0:.1f}s", flush=True)


def _undo_sweep(model) -> None:
    """Put back what a sweep changed in the bench data (also after an interrupted earlier run):
    statuses from the events it wrote, then those events, its grants and the whole outbox."""
    s = model.Session
    bench = "applicant ->> 'bench' = :v"
    s.execute(sa.text("SET LOCAL govopen.allow_delete = 'on'"))  # the bench's own rows: a deliberate deletion
    # Outbox first: deleting a grant cascades into it, by a column with no index.
    s.execute(sa.text("DELETE FROM govopen_notification"))
    s.execute(sa.text(f"""
        DELETE FROM govopen_grant g USING govopen_request r
        WHERE g.request_id = r.id AND r.status = 'deemed_approved' AND r.{bench}"""), {"v": DATA_VERSION})
    s.execute(sa.text(f"""
        UPDATE govopen_request r SET status = e.from_status, decision = '{{}}'::jsonb, closed = NULL
        FROM govopen_request_event e
        WHERE e.request_id = r.id AND e.action = 'deem_approve' AND r.status = 'deemed_approved' AND r.{bench}"""),
        {"v": DATA_VERSION})
    s.execute(sa.text(f"UPDATE govopen_request SET escalated = false WHERE escalated AND {bench}"), {"v": DATA_VERSION})
    s.execute(sa.text(f"""
        DELETE FROM govopen_request_event e USING govopen_request r
        WHERE e.request_id = r.id AND e.action IN ('escalate', 'deem_approve') AND r.{bench}"""), {"v": DATA_VERSION})
    s.commit()


def _vacuum(model) -> None:
    """Dead rows of the last undo gone and statistics fresh: each run starts from the same state."""
    with model.Session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"VACUUM ANALYZE {', '.join(TABLES)}"))


def _state(model) -> dict[str, int | str]:
    """What a sweep changes, counted, and a digest of every request's state fields."""
    return model.Session.execute(sa.text("""
        SELECT (SELECT count(*) FILTER (WHERE escalated) FROM govopen_request) AS escalated,
               (SELECT count(*) FILTER (WHERE status = 'deemed_approved') FROM govopen_request) AS deemed,
               (SELECT count(*) FROM govopen_request_event) AS events,
               (SELECT count(*) FROM govopen_grant) AS grants,
               (SELECT count(*) FROM govopen_notification) AS outbox,
               (SELECT left(md5(string_agg(id || status || escalated || coalesce(closed::text, '') || decision::text,
                                           ',' ORDER BY id)), 12) FROM govopen_request) AS digest
        """)).one()._asdict()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, round(len(ordered) * 0.95) - 1)] * 1000


def _timed(fn, rounds: int) -> tuple[float, float, int]:
    """p50 and p95 of ROUNDS calls after a warm-up, then the peak of Python allocations over a
    few more calls (traced apart: tracemalloc slows Python down several times)."""
    fn()
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


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    app = _load()
    flask_app = app._wsgi_app
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.lib import jobs

    from ckanext.govopen.requests import store
    from ckanext.govopen.requests import sweep

    # Belt and braces: nothing in this process sends mail, and nothing could reach this port.
    tk.config["smtp.server"] = "127.0.0.1:9"
    rss = [("loaded", _maxrss_mib())]
    rows, sweeps = [], []
    with flask_app.test_request_context():
        t0 = time.perf_counter()
        _populate(model, store.today())
        _undo_sweep(model)
        _vacuum(model)
        rss.append(("populated", _maxrss_mib()))
        counts = model.Session.execute(sa.text("""
            SELECT count(*), count(*) FILTER (WHERE status IN ('submitted', 'accepted', 'info_requested', 'resubmitted')),
                   count(*) FILTER (WHERE status IN ('submitted', 'accepted', 'info_requested', 'resubmitted')
                                    AND due < :today)
            FROM govopen_request"""), {"today": store.today()}).one()
        print(f"data ready in {time.perf_counter() - t0:.1f}s: {counts[0]} requests, {counts[1]} open, "
              f"{counts[2]} open and overdue; {ROUNDS} calls per list figure, {PAGE_ROUNDS} per page figure",
              flush=True)
        tokens = {name: tk.get_action("api_token_create")({"user": name, "ignore_auth": True},
                                                           {"user": name, "name": "request-bench"})["token"]
                  for name in ("bench-editor-00", "bench-officer")}

        def listing(user):
            return lambda: tk.get_action("govopen_request_list")({"user": user}, {"limit": 20, "to_departments": True})

        for label, user in (("govopen_request_list p1, department editor", "bench-editor-00"),
                            ("govopen_request_list p1, data authority", "bench-officer")):
            first = tk.get_action("govopen_request_list")({"user": user}, {"limit": 20, "to_departments": True})
            assert len(first["results"]) == 20, first["count"]
            rows.append((f"{label} [{first['count']}]", *_timed(listing(user), ROUNDS)))
        rss.append(("list calls", _maxrss_mib()))

    client = flask_app.test_client()

    def page(url, token):
        def get():
            res = client.get(url, headers={"Authorization": token})
            assert res.status_code == 200, (url, res.status_code)
            assert b"govopen-requests" in res.data and res.data.count(b"data-request=") == 20, url
        return get

    for label, url, who in (("queue page, department editor (its department)",
                             "/requests/queue?organization=bench-dept-00", "bench-editor-00"),
                            ("queue page, data authority (one department)",
                             "/requests/queue?organization=bench-dept-07", "bench-officer"),
                            ("queue page, data authority (all departments)", "/requests/queue", "bench-officer"),
                            ("queue page, data authority (overdue, all)", "/requests/queue?overdue=1", "bench-officer")):
        rows.append((label, *_timed(page(url, tokens[who]), PAGE_ROUNDS)))
    rss.append(("queue pages", _maxrss_mib()))

    with flask_app.test_request_context():
        queue = jobs.get_queue()
        listening = [w.name for w in jobs.Worker.all(queue=queue)]
        if listening:
            print(f"a worker reads {queue.name} ({listening}): not sweeping, it would send the mail")
            return 1
        before = _state(model)
        after = []
        for label in ("sweep, first run (the real work)", "sweep, second run (must change nothing)"):
            t0 = time.perf_counter()
            done = sweep.run()
            sweeps.append([label, time.perf_counter() - t0, 0, done])
            after.append(_state(model))
        rss.append(("two sweeps", _maxrss_mib()))
        _undo_sweep(model)
        _vacuum(model)
        tracemalloc.start()  # the first run's allocations, measured on a repeat of it
        sweep.run()
        sweeps[0][2] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss.append(("traced sweep", _maxrss_mib()))
        _undo_sweep(model)
        _vacuum(model)
        restored = _state(model)
        queue.empty()  # no worker reads this site's queue: drop the mail jobs the sweeps enqueued
        for name, token in tokens.items():
            tk.get_action("api_token_revoke")({"user": name, "ignore_auth": True}, {"token": token})

    print(f"\n{'case':56} {'p50 ms':>8} {'p95 ms':>8} {'target':>7} {'py peak MiB':>12}")
    for label, p50, p95, peak in rows:
        print(f"{label:56} {p50:8.1f} {p95:8.1f} {'<200':>7} {peak / 2**20:12.1f}  {'ok' if p95 < 200 else 'OVER'}")
    print(f"\n{'case':56} {'seconds':>8} {'target':>8} {'py peak MiB':>12}")
    for label, elapsed, peak, done in sweeps:
        print(f"{label:56} {elapsed:8.2f} {'<10':>8} {(f'{peak / 2**20:.1f}' if peak else '-'):>12}"
              f"  {'ok' if elapsed < 10 else 'OVER'}")
        print(f"    {', '.join(f'{k} {v}' for k, v in done.items())}")
    print("    (mail_pending: the outbox's unsent rows after the run; no worker sends them here)")
    print(f"rows before the sweeps {before}\n     after the first    {after[0]}\n     after the second   {after[1]}"
          f"  ({'unchanged' if after[1] == after[0] else 'CHANGED'})\n     after the undo     {restored}"
          f"  ({'restored' if restored == before else 'NOT RESTORED'})")
    print("\nprocess peak RSS (ru_maxrss) after each phase: "
          + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in rss))
    return 0 if restored == before and after[1] == after[0] else 1


if __name__ == "__main__":
    sys.exit(main())
