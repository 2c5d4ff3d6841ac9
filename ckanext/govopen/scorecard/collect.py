"""What the scorecard's figures are computed from, read from the database (glue): each
department's entries as plain dicts (only the extras the figures read), with the dates of their
last upload and DataStore load, and the department's contact; the requests counted by PostgreSQL
under the pure rule's terms (checked against it in the tests); change events, usage, snapshots.
A fixed number of queries, whatever the number of departments (bench/scorecard_bench.py)."""
from __future__ import annotations

import datetime
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.activity.model import Activity

from ckanext.govopen.deadlines import sla
from ckanext.govopen.model import Attestation, ChangeEvent, DatastoreLoad, Request, ScorecardSnapshot, UsageDay, utcnow
from ckanext.govopen.requests import rules, store
from ckanext.govopen.scorecard import figures

__all__ = ["catalogue_health", "request_facts", "request_summary", "event_statuses", "upkeep", "usage", "scorecard", "snapshot", "freeze", "public_figures"]

_PACKAGE_ACTIVITIES = ("new package", "changed package", "deleted package")

# Extras that hold JSON (lists and repeating subfields) as text.
_JSON_FIELDS = ("themes", "data_items")


def _json(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _departments(organization: str | None) -> list[model.Group]:
    query = model.Session.query(model.Group).filter(
        model.Group.is_organization.is_(True), model.Group.state == "active")
    if organization:
        query = query.filter(sa.or_(model.Group.id == organization, model.Group.name == organization))
    return query.order_by(model.Group.title).all()


def catalogue_health(as_of: datetime.date, organization: str | None = None, public_only: bool = True) -> dict:
    """Per department: entries, freshness, completeness and openness as of AS_OF. PUBLIC_ONLY
    leaves private entries out (the public page); the data authority sees all."""
    departments = _departments(organization)
    ids = [d.id for d in departments]
    packages = model.Session.query(model.Package).filter(
        model.Package.owner_org.in_(ids or [""]), model.Package.state == "active", model.Package.type == "dataset")
    if public_only:
        packages = packages.filter(model.Package.private.is_(False))
    names = [n for n in (*figures.REQUIRED, "open_category", "open_conditions", "open_legal_basis", "share_category",
                         "share_conditions", "share_legal_basis", "data_updated") if n not in ("title", "notes")]
    # Only the extras the figures read, taken out by PostgreSQL.
    rows = packages.with_entities(model.Package.id, model.Package.owner_org, model.Package.title, model.Package.notes,
                                  *(model.Package.extras[n].astext for n in names)).all()
    # The entries' ids as a subquery, not a list: twenty thousand bound parameters cost more than the query.
    chosen = packages.with_entities(model.Package.id).subquery()
    uploads = dict(model.Session.query(model.Resource.package_id, sa.func.max(model.Resource.last_modified))
                   .filter(model.Resource.package_id.in_(sa.select(chosen.c.id)), model.Resource.state == "active")
                   .group_by(model.Resource.package_id).all())
    loads = dict(model.Session.query(model.Resource.package_id, sa.func.max(DatastoreLoad.finished))
                 .join(DatastoreLoad, DatastoreLoad.resource_id == model.Resource.id)
                 .filter(model.Resource.package_id.in_(sa.select(chosen.c.id)), DatastoreLoad.status == "done")
                 .group_by(model.Resource.package_id).all())
    applied = {pid for (pid,) in model.Session.query(Request.package_id).filter(
        Request.package_id.in_(sa.select(chosen.c.id)), Request.kind == "open_application").distinct()}
    by_department: dict[str, list[dict]] = {d.id: [] for d in departments}
    for pkg in rows:
        entry = dict(zip(names, pkg[4:]))
        for name in _JSON_FIELDS:
            entry[name] = _json(entry[name])
        entry.update(id=pkg.id, title=pkg.title, notes=pkg.notes,
                     updated=figures.last_update(entry.get("data_updated"), uploads.get(pkg.id), loads.get(pkg.id)))
        by_department[pkg.owner_org].append(entry)
    found = []
    for dept in departments:
        entries = by_department[dept.id]
        extras = dept.extras or {}
        verdicts = [figures.freshness(e["update_frequency"], e["updated"], as_of) for e in entries]
        found.append({
            "organization_id": dept.id, "name": dept.name, "title": dept.title, "entries": len(entries),
            "freshness": figures.fresh_counts(((e["update_frequency"], e["updated"]) for e in entries), as_of),
            "completeness": figures.completeness(entries, extras),
            "openness": figures.openness(entries, applied),
            "stale": sorted(e["id"] for e, fresh in zip(entries, verdicts) if fresh is False),
        })
    return {"as_of": as_of.isoformat(), "departments": found}


def request_facts(start: datetime.date, end: datetime.date, department_ids: list[str]) -> dict[str, list]:
    """The requests received in [START, END] (Beijing days), per department, as the pure rule's
    RequestFact (requests alike in every figure grouped, ``count``): what ``request_summary``
    is checked against, and a department's requests for a closer look."""
    created = store.beijing_day(Request.created)
    closed = store.beijing_day(Request.closed)
    rows = (model.Session.query(Request.owner_org, Request.kind, Request.status, Request.escalated, created,
                                Request.due, closed, sa.func.count())
            .filter(Request.owner_org.in_(department_ids or [""]), created >= start, created <= end)
            .group_by(Request.owner_org, Request.kind, Request.status, Request.escalated, created, Request.due, closed)
            .all())
    facts: dict[str, list] = {d: [] for d in department_ids}
    for org, kind, status, escalated, submitted, due, done, count in rows:
        facts[org].append(figures.RequestFact(
            kind=kind, submitted=submitted, due=None if status == "withdrawn" else due,
            answered=done if status in rules.ANSWERED_STATUSES else None, deemed=status == "deemed_approved",
            escalated=bool(escalated), count=count))
    return facts


def _beijing_day_sql(column: str) -> str:
    """requests.store.beijing_day of a govopen_request column, as SQL text for the query below."""
    return str(store.beijing_day(sa.literal_column(column)).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def request_summary(start: datetime.date, end: datetime.date, as_of: datetime.date,
                    department_ids: list[str]) -> dict[str, dict]:
    """``figures.request_figures`` of each department's requests received in [START, END],
    counted by PostgreSQL: the same rules (tests compare the two on the same requests through
    ``request_facts``), without carrying 100,000 requests into Python. Working days to answer
    come from the calendar's running count (``figures.working_day_counts``)."""
    calendar = sla.calendar()
    last = max(end, as_of, store.today()) + datetime.timedelta(days=1)
    counts = figures.working_day_counts(start, last, calendar)
    found = {org: {"received": 0, "answered": 0, "on_time": 0, "on_time_ratio": None, "median_working_days": None,
                   "deemed": 0, "escalated": 0, "by_kind": {}} for org in department_ids}
    if not department_ids:
        return found
    params = {"orgs": list(department_ids), "start": start, "end": end, "as_of": as_of, "answered": list(rules.ANSWERED_STATUSES),
              "counts": counts, "first": start, "last": last}
    created, closed = _beijing_day_sql("created"), _beijing_day_sql("closed")
    facts = f"""
        WITH r AS (
            SELECT owner_org, kind, escalated IS TRUE AS escalated, status = 'deemed_approved' AS deemed,
                   {created} AS submitted,
                   CASE WHEN status = 'withdrawn' THEN NULL ELSE due END AS due,
                   CASE WHEN status = ANY(:answered) AND status <> 'deemed_approved'
                        THEN {closed} END AS answered
            FROM govopen_request
            WHERE owner_org = ANY(:orgs)
              AND {created} BETWEEN :start AND :end)"""
    # One pass: per department and kind (the counts), and per department (the median).
    rows = model.Session.execute(sa.text(facts + """
        SELECT owner_org, kind, count(*), count(answered),
               count(*) FILTER (WHERE answered IS NOT NULL AND (due IS NULL OR answered <= due)),
               count(*) FILTER (WHERE answered IS NULL AND due IS NOT NULL AND due < :as_of),
               count(*) FILTER (WHERE deemed), count(*) FILTER (WHERE escalated),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN answered IS NOT NULL THEN greatest(0,
                   (CAST(:counts AS int[]))[LEAST(answered, CAST(:last AS date)) - CAST(:first AS date) + 1]
                 - (CAST(:counts AS int[]))[submitted - CAST(:first AS date) + 1]) END)
        FROM r GROUP BY GROUPING SETS ((owner_org, kind), (owner_org))"""), params).all()
    overdue: dict[str, int] = {}
    for org, kind, received, answered, on_time, late_open, deemed, escalated, median in rows:
        dept = found[org]
        if kind is None:  # the department's line: its median over every kind
            dept["median_working_days"] = median
            continue
        dept["received"] += received
        dept["answered"] += answered
        dept["on_time"] += on_time
        dept["deemed"] += deemed
        dept["escalated"] += escalated
        overdue[org] = overdue.get(org, 0) + late_open
        dept["by_kind"][kind] = {"received": received, "on_time": on_time, "late": answered - on_time + late_open}
    for org, dept in found.items():
        assessed = dept["answered"] + overdue.get(org, 0)
        dept["on_time_ratio"] = dept["on_time"] / assessed if assessed else None
    return found


def window() -> int:
    """Working days to update the catalogue after a change event: the option (at most 30), else
    the policy's."""
    return min(tk.config.get("ckanext.govopen.scorecard.upkeep_window"), 30) or \
        figures.upkeep_window(sla.active_policy().name)


def event_statuses(events: list[ChangeEvent], as_of: datetime.date) -> list[dict]:
    """Each event's due date (the window in working days) and status as of AS_OF: answered by any
    update of one of its department's entries (its activity, Beijing days) after the event."""
    updates: dict[str, list[datetime.date]] = {}
    if events:
        day = store.beijing_day(Activity.timestamp)
        rows = (model.Session.query(model.Package.owner_org, day).join(Activity, Activity.object_id == model.Package.id)
                .filter(model.Package.owner_org.in_({e.owner_org for e in events}),
                        Activity.activity_type.in_(_PACKAGE_ACTIVITIES),
                        day > min(e.happened for e in events), day <= as_of).distinct().all())
        for org, updated in rows:
            updates.setdefault(org, []).append(updated)
    statuses = figures.upkeep([figures.ChangeEvent(e.owner_org, e.happened, e.reason) for e in events], updates,
                              window(), as_of, sla.calendar())
    return [{**status, "id": e.id, "reason": e.reason} for e, status in zip(events, statuses)]


def upkeep(start: datetime.date, end: datetime.date, as_of: datetime.date, department_ids: list[str],
           yearly: bool) -> dict[str, dict]:
    """Per department: the change events that fell due in [START, END] (an event is assessed in
    the period its due date falls in, so a closed period has none pending), with their statuses,
    and its upkeep figures. YEARLY counts the yearly review: attested, missing once the year is
    over, not yet due while it runs."""
    # A window of up to 30 working days never spans more than 60 calendar days, holidays included.
    events = (model.Session.query(ChangeEvent).filter(
        ChangeEvent.owner_org.in_(department_ids or [""]), ChangeEvent.happened >= start - datetime.timedelta(days=60),
        ChangeEvent.happened <= end).order_by(ChangeEvent.happened, ChangeEvent.id).all())
    statuses = [{**s, "happened": s["happened"].isoformat(), "due": s["due"].isoformat(),
                 "updated": s["updated"].isoformat() if s["updated"] else None}
                for s in event_statuses(events, as_of) if start <= s["due"] <= end]
    attested = {org for (org,) in model.Session.query(Attestation.owner_org).filter(
        Attestation.owner_org.in_(department_ids or [""]), Attestation.year == start.year)} if yearly else set()
    found = {}
    for org in department_ids:
        mine = [s for s in statuses if s["department"] == org]
        review = (True if org in attested else (False if as_of >= end else None)) if yearly else None
        found[org] = {**figures.upkeep_figures(mine, review), "changes": mine}
    return found


def usage(start: datetime.date, end: datetime.date, department_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per department: page views, downloads and API reads of its entries in [START, END]."""
    rows = (model.Session.query(model.Package.owner_org, UsageDay.kind, sa.func.sum(UsageDay.count))
            .join(UsageDay, UsageDay.package_id == model.Package.id)
            .filter(model.Package.owner_org.in_(department_ids or [""]), UsageDay.day >= start, UsageDay.day <= end)
            .group_by(model.Package.owner_org, UsageDay.kind).all())
    found = {org: {"view": 0, "download": 0, "api": 0} for org in department_ids}
    for org, kind, count in rows:
        found[org][kind] = int(count)
    return found


def scorecard(period: str, today: datetime.date, weights: dict[str, float], organization: str | None = None) -> dict:
    """Every department's figures for PERIOD, its weighted score and its rank. Catalogue figures
    are taken at the period's end (or today, while it runs); requests and change events are
    those of the period; the yearly review counts in a year's scorecard."""
    period = period.strip().upper()
    start, end = figures.period_range(period)
    as_of = min(end, today)
    health = catalogue_health(as_of, organization, public_only=False)
    ids = [d["organization_id"] for d in health["departments"]]
    answers = request_summary(start, end, as_of, ids)
    kept = upkeep(start, end, as_of, ids, yearly=len(period) == 4)
    used = usage(start, end, ids)
    departments = []
    for dept in health["departments"]:
        org = dept["organization_id"]
        requests = answers[org]
        ratios = {"freshness": dept["freshness"]["ratio"], "completeness": dept["completeness"]["ratio"],
                  "upkeep": kept[org]["ratio"], "requests_on_time": requests["on_time_ratio"],
                  "openness": dept["openness"]["machine_readable_ratio"]}
        departments.append({**dept, "requests": requests, "upkeep": kept[org], "usage": used[org], "ratios": ratios,
                            "score": figures.score(ratios, weights)})
    places = {name: place for place, name, _ in figures.rank({d["name"]: d["score"] for d in departments})}
    for dept in departments:
        dept["rank"] = places[dept["name"]]
    departments.sort(key=lambda d: (d["rank"] is None, d["rank"] or 0, d["name"]))
    return {"period": period, "start": start.isoformat(), "end": end.isoformat(),
            "as_of": as_of.isoformat(), "weights": weights, "frozen": None, "departments": departments}


def freeze(period: str, today: datetime.date, weights: dict[str, float], replace: bool = False) -> dict:
    """Store the scorecard of a closed PERIOD (every department) as its snapshot and return it.
    An existing snapshot is kept unless REPLACE (a deliberate correction, from the CLI).
    ValueError for a period that has not closed."""
    period = period.strip().upper()
    if figures.period_range(period)[1] >= today:
        raise ValueError(period)
    found = scorecard(period, today, weights)
    found["frozen"] = utcnow().isoformat(timespec="seconds")
    insert = pg_insert(ScorecardSnapshot.__table__).values(
        period=period, frozen=utcnow(), figures=found)
    if replace:
        insert = insert.on_conflict_do_update(index_elements=["period"],
                                              set_={"frozen": insert.excluded.frozen, "figures": insert.excluded.figures})
    else:
        insert = insert.on_conflict_do_nothing(index_elements=["period"])
    model.Session.execute(insert)
    model.Session.flush()
    return model.Session.get(ScorecardSnapshot, period).figures if not replace else found


def snapshot(period: str, today: datetime.date, weights: dict[str, float], organization: str | None = None) -> dict:
    """The scorecard of PERIOD: a closed period's snapshot (frozen the first time it is asked
    for after it closed; the caller commits), a running period computed now."""
    period = period.strip().upper()
    if figures.period_range(period)[1] >= today:
        return scorecard(period, today, weights, organization)
    stored = model.Session.get(ScorecardSnapshot, period)
    found = stored.figures if stored is not None else freeze(period, today, weights)
    if organization:
        found = {**found, "departments": [d for d in found["departments"]
                                          if organization in (d["organization_id"], d["name"])]}
    return found


def public_figures(period: str, today: datetime.date) -> dict:
    """What any reader, the tiers above included, may have of PERIOD's scorecard: per
    department its public catalogue's health, its requests' counts and timeliness, and its
    upkeep ratio. Counts and ratios only: no request, applicant or private entry."""
    period = period.strip().upper()
    start, end = figures.period_range(period)
    as_of = min(end, today)
    health = catalogue_health(as_of, public_only=True)
    ids = [d["organization_id"] for d in health["departments"]]
    answers = request_summary(start, end, as_of, ids)
    kept = upkeep(start, end, as_of, ids, yearly=len(period) == 4)
    codes = {g.id: (g.extras or {}).get("department_code") for g in _departments(None) if g.id in ids}
    departments = []
    for dept in health["departments"]:
        org = dept["organization_id"]
        requests = answers[org]
        departments.append({
            "name": dept["name"], "title": dept["title"], "department_code": codes.get(org), "entries": dept["entries"],
            "ratios": {"freshness": dept["freshness"]["ratio"], "completeness": dept["completeness"]["ratio"],
                       "upkeep": kept[org]["ratio"], "requests_on_time": requests["on_time_ratio"],
                       "openness": dept["openness"]["machine_readable_ratio"]},
            "requests": {k: requests[k] for k in ("received", "answered", "on_time", "median_working_days",
                                                  "deemed", "escalated")},
            "openness": {k: dept["openness"][k] for k in ("by_open_category", "by_share_category", "open_ratio",
                                                          "on_application", "applied_ratio")}})
    return {"period": period, "start": start.isoformat(), "end": end.isoformat(), "as_of": as_of.isoformat(),
            "portal": tk.config.get("ckan.site_url", "").rstrip("/"), "departments": departments}
