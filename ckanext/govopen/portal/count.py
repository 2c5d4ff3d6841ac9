"""Counting uses of the catalogue (``portal.usage`` says what counts) and reading the counts."""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

import ckan.model as model

from ckanext.govopen.model import UsageDay
from ckanext.govopen.portal import usage
from ckanext.govopen.requests import store as request_store

__all__ = ["dataset_of", "record", "totals", "most_used"]


_UPSERT = sa.text("""
    INSERT INTO govopen_usage_day (day, package_id, kind, count) VALUES (:day, :package_id, :kind, 1)
    ON CONFLICT (day, package_id, kind) DO UPDATE SET count = govopen_usage_day.count + 1""")


def dataset_of(kind: str, view_args: dict[str, Any], params: dict[str, Any]) -> str | None:
    """The id of the dataset a counted request used: named in the URL (pages, downloads) or in
    the API call's parameters (PARAMS), directly or through one of its resources."""
    if kind in ("view", "download"):
        pkg = model.Package.get(str(view_args.get("id") or ""))
        return pkg.id if pkg is not None else None
    field = usage.API_READS.get(str(view_args.get("logic_function") or ""))
    value = params.get(field) if field else None
    if not isinstance(value, str) or not value:
        return None
    if field == "id" and view_args.get("logic_function") == "package_show":
        pkg = model.Package.get(value)
        return pkg.id if pkg is not None else None
    res = model.Session.get(model.Resource, value)
    return res.package_id if res is not None else None


def record(kind: str, package_id: str, day: datetime.date | None = None) -> None:
    """One more use of KIND of the dataset today (Beijing time), committed at once."""
    model.Session.execute(_UPSERT, {"day": day or request_store.today(), "package_id": package_id, "kind": kind})
    model.Session.commit()


def totals(package_id: str) -> dict[str, int]:
    rows = (model.Session.query(UsageDay.kind, sa.func.sum(UsageDay.count))
            .filter(UsageDay.package_id == package_id).group_by(UsageDay.kind).all())
    found = {k: int(n) for k, n in rows}
    return {k: found.get(k, 0) for k in usage.KINDS}


def most_used(days: int = 30, limit: int = 6, among: list[str] | None = None) -> list[tuple[str, int]]:
    """(dataset id, uses) of the most-used datasets over the last DAYS days, most first; only
    those in AMONG when given (the caller passes what the public may see)."""
    since = request_store.today() - datetime.timedelta(days=days - 1)
    total = sa.func.sum(UsageDay.count)
    q = model.Session.query(UsageDay.package_id, total).filter(UsageDay.day >= since)
    if among is not None:
        q = q.filter(UsageDay.package_id.in_(among or [""]))
    return [(p, int(n)) for p, n in q.group_by(UsageDay.package_id).order_by(total.desc(), UsageDay.package_id)
            .limit(limit).all()]
