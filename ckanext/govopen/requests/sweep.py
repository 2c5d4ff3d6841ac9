"""The deadline sweep: deadlines act on their own.

`run` deems silent share requests approved where the policy says so (Chaohu 13), escalates
overdue requests to the data authority, reminds departments at the policy's points before a
due date, warns holders of grants about to end, and hands unsent mail to the mail job.

Set-based: one statement per kind of change (and per policy rule, where rules differ), never a
loop over requests. Idempotent: every change is guarded by the state it changes (an escalated
request is not escalated again; a deemed one is no longer open) and every mail by its unique
key. Two runs at once are serialised by a transaction-level advisory lock, so the second finds
nothing left to do.
"""
from __future__ import annotations

import datetime
import logging
from typing import Any, Callable

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import deadlines as dl
from ckanext.govopen.requests import notifications
from ckanext.govopen.deadlines import sla
from ckanext.govopen.requests import rules as workflow
from ckanext.govopen.requests import store
from ckanext.govopen.model import utcnow
from ckanext.govopen.security import audit
from ckanext.govopen.text import N_

__all__ = ["LOCK_KEY", "run"]

log = logging.getLogger(__name__)

LOCK_KEY = 0x676F76_01  # "gov" + 1: the sweep's advisory lock
_DEEMABLE = ("submitted", "accepted", "resubmitted")


def _rules() -> list[tuple[str, str, dl.KindPolicy]]:
    """The (policy, kind, rule) of every open request's kind, once each. A profile no longer
    configured is logged and its requests left alone: one removed custom profile must not stop
    every other deadline from acting."""
    rows = model.Session.execute(sa.text(
        "SELECT DISTINCT policy, kind FROM govopen_request WHERE status = ANY(:open)"),
        {"open": list(workflow.OPEN_STATUSES)}).all()
    rules = []
    for policy, kind in rows:
        try:
            rules.append((policy, kind, sla.policy_named(policy).rule(kind)))
        except ValueError as e:
            log.error("govopen sweep: open %s requests under policy %r skipped: %s", kind, policy, e)
    return rules


def _running(rule: dl.KindPolicy) -> list[str]:
    """Statuses in which the answer clock runs: not while waiting for the applicant, if the
    policy pauses it then."""
    return [s for s in workflow.OPEN_STATUSES if not (rule.pause_on_info and s == "info_requested")]


def _unreadable_periods(policy: str, params: dict[str, Any]) -> list[str]:
    """Share requests due for deemed approval whose requested period PostgreSQL cannot read
    as a date (stored before dates were normalised): reported and left for a person, so that
    one bad row cannot stop the statement that deems all the others."""
    rows = model.Session.execute(sa.text("""
        SELECT id, applicant ->> 'requested_until' FROM govopen_request
        WHERE policy = :policy AND kind = 'share_application' AND status = ANY(:statuses) AND due < :today
          AND COALESCE(applicant ->> 'requested_until', '') <> ''"""), params).all()
    bad = [(rid, value) for rid, value in rows if workflow.parse_date(value) is None]
    for rid, value in bad:
        log.error("govopen sweep: request %s not deemed approved: its requested period %r is not a "
                  "date (YYYY-MM-DD); a person must decide it", rid, value)
    return [rid for rid, _ in bad]


def _deem_approve(policy: str, rule: dl.KindPolicy, today: datetime.date, now: datetime.datetime,
                  skipped_out: list[str]) -> int:
    """Share requests past due in POLICY, closed as deemed approved, each with its grant (to the
    applying department, for the requested period capped by the policy) and its event."""
    cap_days = rule.max_grant_days or workflow.DEFAULT_GRANT_DAYS
    # As requests.rules.grant_expiry_for_deemed: the requested end, capped if the policy caps it.
    expiry = ("LEAST(NULLIF(r.applicant ->> 'requested_until', '')::date, :cap)" if rule.max_grant_days
              else "COALESCE(NULLIF(r.applicant ->> 'requested_until', '')::date, :cap)")
    params = {"policy": policy, "today": today, "now": now, "cap": today + datetime.timedelta(days=cap_days),
              "statuses": list(_DEEMABLE), "citation": rule.citation}
    skipped = _unreadable_periods(policy, params)
    skipped_out.extend(skipped)
    params["skipped"] = skipped
    ids = [r[0] for r in model.Session.execute(sa.text("""
        WITH target AS (
            SELECT id, status FROM govopen_request
            WHERE policy = :policy AND kind = 'share_application' AND status = ANY(:statuses) AND due < :today
              AND NOT (id = ANY(:skipped))
            FOR UPDATE),
        closed AS (
            UPDATE govopen_request r SET status = 'deemed_approved', closed = :now, modified = :now
            FROM target t WHERE r.id = t.id RETURNING r.id, t.status AS from_status)
        INSERT INTO govopen_request_event (request_id, actor_id, action, from_status, to_status, note, created)
        SELECT id, NULL, 'deem_approve', from_status, 'deemed_approved', :citation, :now FROM closed
        RETURNING request_id"""), params)]
    if not ids:
        return 0
    # A grant ends at 24:00 Beijing time on its last day, stored as naive UTC (requests.store.grant_for).
    model.Session.execute(sa.text(f"""
        INSERT INTO govopen_grant (id, request_id, package_id, resource_ids, holder_type, holder_id, expires, created)
        -- as store.grant_for: to the applying department; forwarded from a portal, to its user
        SELECT gen_random_uuid()::text, r.id, r.package_id, r.resource_ids,
               CASE WHEN r.applicant_org IS NULL THEN 'user' ELSE 'department' END, COALESCE(r.applicant_org, r.user_id),
               ((({expiry}) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'UTC', :now
        FROM govopen_request r WHERE r.id = ANY(:ids)
        ON CONFLICT (request_id) DO NOTHING"""), {**params, "ids": ids})
    model.Session.execute(sa.text("""
        UPDATE govopen_request r SET decision = jsonb_build_object(
            'decision', 'deemed_approved', 'resource_ids', r.resource_ids, 'grant_id', g.id,
            'expires', to_char((g.expires AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' - interval '1 microsecond',
                               'YYYY-MM-DD'),
            'decided_on', CAST(:today AS text), 'citation', CAST(:citation AS text))
        FROM govopen_grant g WHERE g.request_id = r.id AND r.id = ANY(:ids)"""),
        {"ids": ids, "today": today.isoformat(), "citation": rule.citation})
    notifications.queue("deemed_approved", ids, tag="1")
    audit.record_with_session("grant_created", details={"deemed_approved": True, "request_ids": sorted(ids),
                                                        "citation": rule.citation})
    return len(ids)


def _escalate(policy: str, kind: str, rule: dl.KindPolicy, today: datetime.date, now: datetime.datetime) -> int:
    """Open requests past due whose clock runs, flagged for the data authority, once each."""
    note = rule.citation  # the event's action says what happened ("escalated: overdue"); this says why
    ids = [r[0] for r in model.Session.execute(sa.text("""
        WITH flagged AS (
            UPDATE govopen_request SET escalated = true, modified = :now
            WHERE policy = :policy AND kind = :kind AND status = ANY(:statuses) AND due < :today
              AND NOT escalated
            RETURNING id, status)
        INSERT INTO govopen_request_event (request_id, actor_id, action, from_status, to_status, note, created)
        SELECT id, NULL, 'escalate', status, status, :note, :now FROM flagged
        RETURNING request_id"""), {"policy": policy, "kind": kind, "statuses": _running(rule), "today": today,
                                    "now": now, "note": note})]
    notifications.queue("escalated", ids, tag="1")
    return len(ids)


def _remind(policy: str, kind: str, rule: dl.KindPolicy, today: datetime.date) -> int:
    """Reminders to the deciding department at the policy's points before each due date (in the
    rule's unit): for each due date, the nearest point reached; each point once."""
    if not rule.reminders:
        return 0
    statuses = _running(rule)
    dues = [r[0] for r in model.Session.execute(sa.text("""
        SELECT DISTINCT due FROM govopen_request
        WHERE policy = :policy AND kind = :kind AND status = ANY(:statuses) AND due >= :today"""),
        {"policy": policy, "kind": kind, "statuses": statuses, "today": today})]
    by_point: dict[int, list[datetime.date]] = {}
    for due in dues:
        left = (dl.working_days_remaining(today, due, sla.calendar()) if rule.unit == "working_days"
                else (due - today).days)
        reached = [n for n in rule.reminders if left <= n]
        if reached:
            by_point.setdefault(min(reached), []).append(due)
    queued = 0
    for point, point_dues in by_point.items():
        ids = [r[0] for r in model.Session.execute(sa.text("""
            SELECT id FROM govopen_request
            WHERE policy = :policy AND kind = :kind AND status = ANY(:statuses) AND due = ANY(:dues)"""),
            {"policy": policy, "kind": kind, "statuses": statuses, "dues": point_dues})]
        queued += notifications.queue("reminder", ids, tag_sql="r.due || ':' || :point", point=str(point))
    return queued


def _step(counts: dict[str, Any], key: str, what: str, work: Callable[[], int]) -> None:
    """One step of the sweep in its own savepoint: if it fails, its changes are undone, the
    failure is logged and counted, and every other step still acts."""
    savepoint = model.Session.begin_nested()
    try:
        done = work()
    except Exception:  # noqa: BLE001 - one failing step must not stop every other deadline
        savepoint.rollback()
        log.exception("govopen sweep: %s failed; the other steps went ahead", what)
        counts["failed_steps"].append(what)
        return
    savepoint.commit()
    counts[key] += done


def _suspend_unreviewed(today: datetime.date, now: datetime.datetime, packages_out: set[str]) -> int:
    """Privacy objections the department left unanswered past the marking deadline suspend
    their dataset's resources (the data subject's protection does not wait on silence)."""
    if not tk.config["ckanext.govopen.objections.privacy_hides_resources"]:
        return 0
    rows = model.Session.execute(sa.text("""
        WITH suspended AS (
            UPDATE govopen_request SET suspended = :now, review_due = NULL, modified = :now
            WHERE kind = 'objection' AND applicant ->> 'objection_type' = 'privacy'
              AND status = ANY(:open) AND suspended IS NULL AND review_due < :today
            RETURNING id, status, package_id),
        events AS (
            INSERT INTO govopen_request_event (request_id, actor_id, action, from_status, to_status, note, created)
            SELECT id, NULL, 'suspend', status, status, :note, :now FROM suspended)
        SELECT id, package_id FROM suspended"""),
        {"now": now, "today": today, "open": list(workflow.OPEN_STATUSES),
         "note": N_("No answer in time: resources suspended")}).all()
    packages = {pid for _, pid in rows}
    if packages:
        from ckanext.govopen.access import gate

        model.Session.flush()
        gate.scrub_stored_activity(packages)
    packages_out.update(packages)
    return len(rows)


def run(today: datetime.date | None = None) -> dict[str, Any]:
    """One sweep, in one transaction; returns what it did (and `failed_steps`, the steps that
    failed and were undone while the rest acted). TODAY defaults to today in Beijing."""
    today = today or store.today()
    now = utcnow()
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    counts: dict[str, Any] = {"deemed_approved": 0, "escalated": 0, "reminders": 0, "grant_notices": 0,
                              "suspended": 0, "failed_steps": [], "skipped_requests": []}
    reindex: set[str] = set()
    _step(counts, "suspended", "privacy suspensions", lambda: _suspend_unreviewed(today, now, reindex))
    rules = _rules()
    for policy, kind, rule in rules:
        if kind == "share_application" and rule.timeout == "deem_approved":
            _step(counts, "deemed_approved", f"deemed approval ({policy})",
                  lambda: _deem_approve(policy, rule, today, now, counts["skipped_requests"]))
    for policy, kind, rule in rules:
        _step(counts, "escalated", f"escalation ({policy}, {kind})",
              lambda: _escalate(policy, kind, rule, today, now))
        _step(counts, "reminders", f"reminders ({policy}, {kind})", lambda: _remind(policy, kind, rule, today))
    notice_days = tk.config["ckanext.govopen.grants.expiry_notice_days"]
    if notice_days:
        until = dl.deadline_end(today + datetime.timedelta(days=notice_days))
        _step(counts, "grant_notices", "grant-expiry notices", lambda: notifications.queue_grant_expiry(
            until.astimezone(datetime.timezone.utc).replace(tzinfo=None)))
    model.repo.commit()
    if reindex:
        from ckan.lib import search

        for package_id in sorted(reindex):  # the index must hold only URLs everyone may have
            search.rebuild(package_id)
    counts["mail_pending"] = notifications.pending_count()
    if counts["mail_pending"]:
        notifications.dispatch()
    # No other re-indexing: a grant changes no dataset, and the index never holds restricted URLs.
    return counts
