"""What the scorecard's figures are computed from, read from the database (glue): each
department's entries as plain dicts, with the dates of their last upload and DataStore load, and
the department's contact. Three queries, whatever the number of departments."""
from __future__ import annotations

import datetime
import json
from typing import Any

import sqlalchemy as sa

import ckan.model as model

from ckanext.govopen.model import DatastoreLoad, Request
from ckanext.govopen.requests import rules, store
from ckanext.govopen.scorecard import figures

__all__ = ["catalogue_health", "request_facts", "scorecard"]

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


def scorecard(period: str, today: datetime.date, weights: dict[str, float], organization: str | None = None) -> dict:
    """Every department's figures for PERIOD, its weighted score and its rank. Catalogue figures
    are taken at the period's end (or today, while it runs); requests are those received in it."""
    start, end = figures.period_range(period)
    as_of = min(end, today)
    health = catalogue_health(as_of, organization, public_only=False)
    facts = request_facts(start, end, [d["organization_id"] for d in health["departments"]])
    departments = []
    for dept in health["departments"]:
        requests = figures.request_figures(facts[dept["organization_id"]], as_of)
        ratios = {"freshness": dept["freshness"]["ratio"], "completeness": dept["completeness"]["ratio"],
                  "upkeep": None,  # change events are not recorded yet
                  "requests_on_time": requests["on_time_ratio"],
                  "openness": dept["openness"]["machine_readable_ratio"]}
        departments.append({**dept, "requests": requests, "ratios": ratios, "score": figures.score(ratios, weights)})
    places = {name: place for place, name, _ in figures.rank({d["name"]: d["score"] for d in departments})}
    for dept in departments:
        dept["rank"] = places[dept["name"]]
    departments.sort(key=lambda d: (d["rank"] is None, d["rank"] or 0, d["name"]))
    return {"period": period.strip().upper(), "start": start.isoformat(), "end": end.isoformat(),
            "as_of": as_of.isoformat(), "weights": weights, "departments": departments}
