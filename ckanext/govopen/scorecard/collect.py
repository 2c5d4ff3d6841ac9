"""What the scorecard's figures are computed from, read from the database (glue): each
department's entries as plain dicts, with the dates of their last upload and DataStore load, and
the department's contact. Three queries, whatever the number of departments."""
from __future__ import annotations

import datetime
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.activity.model import Activity

from ckanext.govopen.deadlines import sla
from ckanext.govopen.model import Attestation, ChangeEvent, DatastoreLoad, Request, ScorecardSnapshot, UsageDay, utcnow
from ckanext.govopen.requests import rules, store
from ckanext.govopen.scorecard import figures

__all__ = ["catalogue_health", "request_facts", "event_statuses", "upkeep", "usage", "scorecard", "snapshot", "freeze", "public_figures"]

_PACKAGE_ACTIVITIES = ("new package", "changed package", "deleted package")

# Extras that hold JSON (lists and repeating subfields) as text.
_JSON_FIELDS = ("themes", "data_items")


def _field(extras: dict, name: str) -> Any:
    value = extras.get(name)
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


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
    rows = packages.all()
    package_ids = [p.id for p in rows] or [""]
    uploads = dict(model.Session.query(model.Resource.package_id, sa.func.max(model.Resource.last_modified))
                   .filter(model.Resource.package_id.in_(package_ids), model.Resource.state == "active")
                   .group_by(model.Resource.package_id).all())
    loads = dict(model.Session.query(model.Resource.package_id, sa.func.max(DatastoreLoad.finished))
                 .join(DatastoreLoad, DatastoreLoad.resource_id == model.Resource.id)
                 .filter(model.Resource.package_id.in_(package_ids), DatastoreLoad.status == "done")
                 .group_by(model.Resource.package_id).all())
    applied = {pid for (pid,) in model.Session.query(Request.package_id).filter(
        Request.package_id.in_(package_ids), Request.kind == "open_application").distinct()}
    by_department: dict[str, list[dict]] = {d.id: [] for d in departments}
    for pkg in rows:
        extras = pkg.extras or {}
        entry = {name: _field(extras, name) for name in (
            *figures.REQUIRED, "open_category", "open_conditions", "open_legal_basis", "share_category",
            "share_conditions", "share_legal_basis", "data_updated") if name not in ("title", "notes")}
        entry.update(id=pkg.id, title=pkg.title, notes=pkg.notes,
                     updated=figures.last_update(entry.get("data_updated"), uploads.get(pkg.id), loads.get(pkg.id)))
        by_department[pkg.owner_org].append(entry)
    found = []
    for dept in departments:
        entries = by_department[dept.id]
        extras = dept.extras or {}
        found.append({
            "organization_id": dept.id, "name": dept.name, "title": dept.title, "entries": len(entries),
            "freshness": figures.fresh_counts(((e.get("update_frequency"), e["updated"]) for e in entries), as_of),
            "completeness": figures.completeness(entries, extras),
            "openness": figures.openness(entries, applied),
            "stale": sorted(e["id"] for e in entries
                            if figures.freshness(e.get("update_frequency"), e["updated"], as_of) is False),
        })
    return {"as_of": as_of.isoformat(), "departments": found}


def request_facts(start: datetime.date, end: datetime.date, department_ids: list[str]) -> dict[str, list]:
    """The requests received in [START, END] (Beijing days), per department, as RequestFact."""
    created = store.beijing_day(Request.created)
    rows = (model.Session.query(Request.owner_org, Request.kind, Request.status, Request.escalated, created,
                                Request.due, store.beijing_day(Request.closed))
            .filter(Request.owner_org.in_(department_ids or [""]), created >= start, created <= end).all())
    facts: dict[str, list] = {d: [] for d in department_ids}
    for org, kind, status, escalated, submitted, due, closed in rows:
        facts[org].append(figures.RequestFact(
            kind=kind, submitted=submitted, due=None if status == "withdrawn" else due,
            answered=closed if status in rules.ANSWERED_STATUSES else None, deemed=status == "deemed_approved",
            escalated=bool(escalated)))
    return facts


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
    statuses = [s for s in event_statuses(events, as_of) if start <= s["due"] <= end]
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
    facts = request_facts(start, end, ids)
    kept = upkeep(start, end, as_of, ids, yearly=len(period) == 4)
    used = usage(start, end, ids)
    departments = []
    for dept in health["departments"]:
        org = dept["organization_id"]
        requests = figures.request_figures(facts[org], as_of, sla.calendar())
        ratios = {"freshness": dept["freshness"]["ratio"], "completeness": dept["completeness"]["ratio"],
                  "upkeep": kept[org]["ratio"], "requests_on_time": requests["on_time_ratio"],
                  "openness": dept["openness"]["machine_readable_ratio"]}
        departments.append({**dept, "requests": requests, "upkeep": kept[org], "usage": used[org], "ratios": ratios,
                            "score": figures.score(ratios, weights)})
    places = {name: place for place, name, _ in figures.rank({d["name"]: d["score"] for d in departments})}
    for dept in departments:
        dept["rank"] = places[dept["name"]]
    departments.sort(key=lambda d: (d["rank"] is None, d["rank"] or 0, d["name"]))
    return _jsonable({"period": period, "start": start.isoformat(), "end": end.isoformat(),
                      "as_of": as_of.isoformat(), "weights": weights, "frozen": None, "departments": departments})


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


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
    facts = request_facts(start, end, ids)
    kept = upkeep(start, end, as_of, ids, yearly=len(period) == 4)
    codes = {g.id: (g.extras or {}).get("department_code") for g in _departments(None) if g.id in ids}
    departments = []
    for dept in health["departments"]:
        org = dept["organization_id"]
        requests = figures.request_figures(facts[org], as_of, sla.calendar())
        departments.append({
            "name": dept["name"], "title": dept["title"], "department_code": codes.get(org), "entries": dept["entries"],
            "ratios": {"freshness": dept["freshness"]["ratio"], "completeness": dept["completeness"]["ratio"],
                       "upkeep": kept[org]["ratio"], "requests_on_time": requests["on_time_ratio"],
                       "openness": dept["openness"]["machine_readable_ratio"]},
            "requests": {k: requests[k] for k in ("received", "answered", "on_time", "median_working_days",
                                                  "deemed", "escalated")},
            "openness": {k: dept["openness"][k] for k in ("by_open_category", "by_share_category", "open_ratio",
                                                          "on_application", "applied_ratio")}})
    return _jsonable({"period": period, "start": start.isoformat(), "end": end.isoformat(), "as_of": as_of.isoformat(),
                      "portal": tk.config.get("ckan.site_url", "").rstrip("/"), "departments": departments})
