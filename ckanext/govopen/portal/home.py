"""The front door's figures from the catalogue (the search index, as the public sees it) and
the request desk (counts only: no applicant, no request leaves here)."""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.deadlines import sla
from ckanext.govopen.model import Request
from ckanext.govopen.portal import figures
from ckanext.govopen.requests import store as request_store
from ckanext.govopen.translations import text

__all__ = ["catalogue", "most_used", "requests_of_year", "apply_guide"]

NEWEST = 6


def _public_search(**params: Any) -> dict[str, Any]:
    # As an anonymous visitor: the figures are the same for everyone, and count only what the public may see.
    return tk.get_action("package_search")({"user": "", "ignore_auth": False}, params)


def catalogue() -> dict[str, Any]:
    """Entries by open and share category, theme and department, the shares with a
    machine-readable resource and updated on time, and the newest entries."""
    found = _public_search(q="*:*", rows=NEWEST, sort="metadata_created desc", include_private=False,
                           **{"facet.field": ["open_category", "share_category", "themes", "organization"],
                              "facet.limit": -1})
    facets = {name: {i["name"]: i["count"] for i in f.get("items", [])}
              for name, f in found.get("search_facets", {}).items()}
    formats = " OR ".join(f'"{f}"' for f in figures.MACHINE_READABLE)
    readable = _public_search(q="*:*", rows=0, fq=f"+res_format:({formats})", include_private=False)["count"]
    # Up to date: the declared last update (data_updated, ISO dates: they compare as text) within
    # the declared update frequency's period.
    on_time = " OR ".join(f'(update_frequency:"{freq}" AND data_updated:[{since.isoformat()} TO *])'
                          for freq, since in figures.fresh_since(request_store.today()).items())
    # Required as a whole: CKAN appends its own required clauses to fq, beside which a bare
    # disjunction would turn optional.
    up_to_date = _public_search(q="*:*", rows=0, fq=f"+({on_time})", include_private=False)["count"]
    themes = sorted(facets.get("themes", {}).items(), key=lambda t: (-t[1], t[0]))
    orgs = facets.get("organization", {})
    groups = {g.name: g for g in model.Session.query(model.Group).filter(
        model.Group.name.in_(list(orgs) or [""]), model.Group.state == "active")}
    departments = sorted(({"name": n, "title": groups[n].title or n, "count": c} for n, c in orgs.items() if n in groups),
                         key=lambda d: (-d["count"], d["title"]))
    return {**figures.openness(found["count"], facets.get("open_category", {}), facets.get("share_category", {}),
                               readable, up_to_date),
            "themes": [{"name": n, "count": c} for n, c in themes], "departments": departments,
            "newest": found["results"]}


def most_used(limit: int = NEWEST, days: int = 30) -> list[dict[str, Any]]:
    """The most-used entries of the last DAYS days that the public may see, with their uses."""
    from ckanext.govopen.portal import count

    top = count.most_used(days=days, limit=limit * 5)
    if not top:
        return []
    ids = " OR ".join(f'"{package_id}"' for package_id, _n in top)
    found = _public_search(q="*:*", fq=f"+id:({ids})", rows=len(top), include_private=False)
    shown = {d["id"]: d for d in found["results"]}
    return [{**shown[i], "uses": n} for i, n in top if i in shown][:limit]


def requests_of_year(year: int | None = None) -> dict[str, Any]:
    """The year's applications for data (Beijing time), counted as a yearly report does."""
    year = year or request_store.today().year
    start = datetime.datetime(year, 1, 1) - datetime.timedelta(hours=8)  # Beijing midnight, as naive UTC
    end = datetime.datetime(year + 1, 1, 1) - datetime.timedelta(hours=8)
    closed_day = request_store.beijing_day(Request.closed)
    decided = Request.status.in_(("approved", "deemed_approved", "rejected"))

    def count(condition):
        return sa.func.count().filter(condition)

    of_year = sa.and_(Request.kind == "open_application", Request.created >= start, Request.created < end)
    row = model.Session.query(
        sa.func.count().label("received"), count(decided).label("answered"),
        count(sa.and_(decided, closed_day <= Request.due)).label("on_time"),
        count(Request.status.in_(("approved", "deemed_approved"))).label("granted"),
        count(Request.status == "rejected").label("refused"), count(Request.status == "withdrawn").label("withdrawn"),
        count(Request.status.in_(("submitted", "accepted", "info_requested", "resubmitted"))).label("open"),
    ).filter(of_year).one()
    basis = Request.decision["legal_basis"].astext
    refusals = (model.Session.query(basis, sa.func.count()).filter(of_year, Request.status == "rejected")
                .group_by(basis).all())
    return figures.request_year(year, row._asdict(), [(b or "", n) for b, n in refusals])


def apply_guide() -> dict[str, Any]:
    """How to apply, from the active deadline policy: how long the department has, from when,
    on what basis, how long a grant may run, and what to prepare."""
    policy = sla.active_policy()
    rule = policy.rule("open_application")
    return {"policy": text(policy.title), "length": rule.length, "unit": rule.unit, "clock_start": rule.clock_start,
            "accept_length": rule.accept_length, "accept_unit": rule.accept_unit, "citation": text(rule.citation),
            "max_grant_days": rule.max_grant_days, "prepare": [text(p) for p in figures.APPLICANT_PREPARES]}
