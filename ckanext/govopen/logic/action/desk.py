"""The data authority's view of the request desk: how each department answers."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.requests import rules as workflow
from ckanext.govopen.requests import store
from ckanext.govopen.model import Request

__all__ = ["govopen_request_overview"]



@tk.side_effect_free
def govopen_request_overview(context, data_dict) -> dict[str, Any]:
    """Per department: open, overdue and escalated requests, deemed approvals, answers and
    answers on time. For the data authority and sysadmins.

    :returns: ``today``, ``departments`` (one dict per department with requests, sorted by
        overdue count, most first) and ``totals`` (the same counts over all departments)
    """
    tk.check_access("govopen_request_overview", context, data_dict)
    today = store.today()
    is_open = Request.status.in_(workflow.OPEN_STATUSES)
    answered = Request.status.in_(workflow.ANSWERED_STATUSES)
    # The day a request closed, in Beijing time: answered on time when on or before its due date.
    closed_day = store.beijing_day(Request.closed)

    def count(condition):
        return sa.func.count().filter(condition)

    columns = {
        "total": sa.func.count(),
        "open": count(is_open),
        "overdue": count(sa.and_(is_open, Request.due < today)),
        "escalated": count(sa.and_(is_open, Request.escalated.is_(True))),
        "deemed_approved": count(Request.status == "deemed_approved"),
        "answered": count(answered),
        "answered_on_time": count(sa.and_(answered, closed_day <= Request.due)),
    }
    rows = (model.Session.query(Request.owner_org, *[c.label(k) for k, c in columns.items()])
            .group_by(Request.owner_org).all())
    titles = dict(model.Session.query(model.Group.id, model.Group.title)
                  .filter(model.Group.id.in_([r.owner_org for r in rows] or [""])))
    names = dict(model.Session.query(model.Group.id, model.Group.name)
                 .filter(model.Group.id.in_([r.owner_org for r in rows] or [""])))
    departments = [{"organization_id": r.owner_org, "title": titles.get(r.owner_org) or r.owner_org,
                    "name": names.get(r.owner_org), **{k: getattr(r, k) for k in columns}} for r in rows]
    departments.sort(key=lambda d: (-d["overdue"], -d["escalated"], d["title"]))
    totals = {k: sum(d[k] for d in departments) for k in columns}
    return {"today": today.isoformat(), "departments": departments, "totals": totals}
