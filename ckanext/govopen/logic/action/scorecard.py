"""Actions of the department scorecard (考核): catalogue health and the scorecard."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.model import Attestation, ChangeEvent, utcnow
from ckanext.govopen.requests import store
from ckanext.govopen.scorecard import collect, figures
from ckanext.govopen.translations import _

__all__ = ["govopen_catalogue_health", "govopen_scorecard", "govopen_change_event_create",
           "govopen_change_event_delete", "govopen_change_event_list", "govopen_attestation_create",
           "govopen_attestation_list", "govopen_scorecard_public", "govopen_scorecard_tiers"]

REASON_MAX = 2000


@tk.side_effect_free
def govopen_catalogue_health(context, data_dict) -> dict[str, Any]:
    """Per department: how many entries, how many are fresh against their declared update
    frequency (``freshness``: fresh, assessed, not_assessed, ratio; ``stale``: the ids of the
    entries that are not), how complete their named fields are (``completeness``: present,
    required, ratio, and the count of entries ``missing`` each field), and their openness (by
    category, machine-readable share, share of on-application entries applied for). Public
    entries only, for anyone; ``include_private`` for the data authority and sysadmins.

    :param organization: one department's id or name (default: all)
    :type organization: string
    :param as_of: the day the figures are for, YYYY-MM-DD (default: today, Beijing time)
    :type as_of: string
    :param include_private: count private entries too
    :type include_private: bool
    :rtype: dictionary with ``as_of`` and ``departments``
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_catalogue_health", context, data_dict)
    try:
        include_private = tk.asbool(data_dict.get("include_private") or False)
    except ValueError:
        raise tk.ValidationError({"include_private": [_("Give true or false")]})
    if include_private:
        tk.check_access("govopen_scorecard", context, data_dict)
    as_of = store.today()
    if data_dict.get("as_of"):
        try:
            as_of = datetime.date.fromisoformat(str(data_dict["as_of"]).strip())
        except ValueError:
            raise tk.ValidationError({"as_of": [_("Give a date as YYYY-MM-DD")]})
    organization = str(data_dict.get("organization") or "").strip() or None
    found = collect.catalogue_health(as_of, organization, public_only=not include_private)
    if organization and not found["departments"]:
        raise tk.ObjectNotFound(_("Department not found"))
    return found


@tk.side_effect_free
def govopen_scorecard(context, data_dict) -> dict[str, Any]:
    """The department scorecard for a period: per department, catalogue health (freshness,
    completeness, openness, taken at the period's end), the requests received in the period
    (received, answered, on time and its ratio, median working days to answer, deemed
    approvals, escalations, per kind), the change events that fell due in it and the yearly
    review (``upkeep``), ``usage`` (views, downloads, API reads), the ratios scored, the weighted
    ``score`` (0-100, weights from ``ckanext.govopen.scorecard.weights``) and the ``rank``. A
    closed period is answered from its snapshot (``frozen``: when it was stored), frozen on its
    first reading. For the data authority and sysadmins.

    :param period: ``2025`` (a year) or ``2025Q3`` (a quarter); default: the current year
    :type period: string
    :param organization: one department's id or name (default: all)
    :type organization: string
    :rtype: dictionary with ``period``, ``start``, ``end``, ``as_of``, ``weights``, ``departments``
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_scorecard", context, data_dict)
    today = store.today()
    period = _period(data_dict)
    weights = _weights()
    organization = str(data_dict.get("organization") or "").strip() or None
    found = collect.snapshot(period, today, weights, organization)
    if not context.get("defer_commit"):
        model.repo.commit()  # a closed period's snapshot, frozen on its first reading
    if organization and not found["departments"]:
        raise tk.ObjectNotFound(_("Department not found"))
    return found


def _weights() -> dict[str, float]:
    try:
        return figures.parse_weights(tk.config["ckanext.govopen.scorecard.weights"])
    except ValueError as e:
        raise tk.ValidationError({"ckanext.govopen.scorecard.weights": [str(e)]})


def _department(data_dict, field: str = "organization") -> model.Group:
    value = str(data_dict.get(field) or "").strip()
    group = model.Group.get(value) if value else None
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ValidationError({field: [_("Department not found") if value else _("Missing value")]})
    return group


def _date(data_dict, field: str, default: datetime.date | None = None) -> datetime.date:
    value = data_dict.get(field)
    if value in (None, "") and default is not None:
        return default
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise tk.ValidationError({field: [_("Give a date as YYYY-MM-DD")]})


def _user_id(context) -> str:
    user = model.User.get(context.get("user") or "")
    return user.id if user is not None else ""


def _event_dict(event: ChangeEvent, group: model.Group | None = None) -> dict[str, Any]:
    group = group or model.Session.get(model.Group, event.owner_org)
    return {"id": event.id, "organization_id": event.owner_org, "organization": group.name if group else None,
            "happened": event.happened.isoformat(), "reason": event.reason,
            "created": event.created.isoformat(timespec="seconds")}


def govopen_change_event_create(context, data_dict) -> dict[str, Any]:
    """Register a change a department's catalogue must follow (a law, or the department's
    functions, changed on ``happened``). The department's catalogue updates are then due within
    ``ckanext.govopen.scorecard.upkeep_window`` working days; the scorecard counts the event as
    answered on time, late, missed or pending. For the data authority.

    :param organization: the department's id or name
    :param happened: the day of the change, YYYY-MM-DD (not in the future)
    :param reason: what changed (a law's name and article, say)
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_change_event_create", context, data_dict)
    errors: dict[str, list[str]] = {}
    group = happened = None
    try:
        group = _department(data_dict)
    except tk.ValidationError as e:
        errors.update(e.error_dict)
    try:
        happened = _date(data_dict, "happened")
        if happened > store.today():
            errors["happened"] = [_("A change event cannot be in the future")]
    except tk.ValidationError as e:
        errors.update(e.error_dict)
    reason = data_dict.get("reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = [_("Say what changed")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most {limit} characters").format(limit=REASON_MAX)]
    if errors:
        raise tk.ValidationError(errors)
    event = ChangeEvent(owner_org=group.id, happened=happened, reason=reason, created=utcnow(),
                        created_by=_user_id(context))
    model.Session.add(event)
    model.Session.flush()
    if not context.get("defer_commit"):
        model.repo.commit()
    return _event_dict(event, group)


def govopen_change_event_delete(context, data_dict) -> dict[str, Any]:
    """Remove a change event registered by mistake (a closed period's frozen scorecard keeps it).
    For the data authority.

    :param id: the event's id
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_change_event_delete", context, data_dict)
    event = model.Session.get(ChangeEvent, str(data_dict.get("id") or ""))
    if event is None:
        raise tk.ObjectNotFound(_("Change event not found"))
    found = _event_dict(event)
    model.Session.delete(event)
    if not context.get("defer_commit"):
        model.repo.commit()
    return found


@tk.side_effect_free
def govopen_change_event_list(context, data_dict) -> dict[str, Any]:
    """Change events, newest first, each with its due date and status (on_time, late, missed,
    pending) as of today. The data authority sees every department's; a department's members
    see their own (``organization`` required for them).

    :param organization: one department's id or name (default: all)
    :param year: only events of this year (default: all years)
    :param limit: at most this many (default 50, at most 500); ``offset`` to page
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_change_event_list", context, data_dict)
    group = _department(data_dict) if str(data_dict.get("organization") or "").strip() else None
    try:
        limit = min(max(int(data_dict.get("limit") or 50), 1), 500)
        offset = max(int(data_dict.get("offset") or 0), 0)
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [_("Give a whole number")]})
    try:
        year = int(data_dict["year"]) if data_dict.get("year") not in (None, "") else None
        if year is not None and not 1949 <= year <= 9998:
            raise ValueError
    except (TypeError, ValueError):
        raise tk.ValidationError({"year": [_("Give a year (2025)")]})
    query = model.Session.query(ChangeEvent)
    if group is not None:
        query = query.filter(ChangeEvent.owner_org == group.id)
    if year is not None:
        query = query.filter(ChangeEvent.happened >= datetime.date(year, 1, 1),
                             ChangeEvent.happened <= datetime.date(year, 12, 31))
    count = query.count()
    events = query.order_by(ChangeEvent.happened.desc(), ChangeEvent.id).offset(offset).limit(limit).all()
    results = [{**_event_dict(event), "due": status["due"].isoformat(), "status": status["status"],
                "updated": status["updated"].isoformat() if status["updated"] else None}
               for event, status in zip(events, collect.event_statuses(events, store.today()))]
    return {"count": count, "results": results}


def govopen_attestation_create(context, data_dict) -> dict[str, Any]:
    """Attest the department's yearly review of its whole catalogue (Liaoyang art. 11): the
    year's scorecard counts it. Attesting again replaces the statement. For the department's
    admins.

    :param organization: the department's id or name
    :param year: the year reviewed (default: this year; not a future year)
    :param statement: what was reviewed and changed (optional)
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_attestation_create", context, data_dict)
    group = _department(data_dict)
    today = store.today()
    try:
        year = int(data_dict.get("year") or today.year)
        if not today.year - 1 <= year <= today.year:
            raise ValueError
    except (TypeError, ValueError):
        raise tk.ValidationError({"year": [_("Give this year or last year")]})
    statement = data_dict.get("statement")
    statement = statement.strip() if isinstance(statement, str) else ""
    if len(statement) > REASON_MAX:
        raise tk.ValidationError({"statement": [_("At most {limit} characters").format(limit=REASON_MAX)]})
    row = model.Session.get(Attestation, (group.id, year))
    if row is None:
        row = Attestation(owner_org=group.id, year=year)
        model.Session.add(row)
    row.attested, row.statement, row.created_by = today, statement, _user_id(context)
    model.Session.flush()
    if not context.get("defer_commit"):
        model.repo.commit()
    return {"organization_id": group.id, "organization": group.name, "year": year,
            "attested": today.isoformat(), "statement": statement}


@tk.side_effect_free
def govopen_attestation_list(context, data_dict) -> list[dict[str, Any]]:
    """A department's yearly review attestations, newest year first. For the data authority and
    the department's members.

    :param organization: the department's id or name
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_attestation_list", context, data_dict)
    group = _department(data_dict)
    rows = (model.Session.query(Attestation).filter(Attestation.owner_org == group.id)
            .order_by(Attestation.year.desc()).all())
    return [{"organization_id": group.id, "organization": group.name, "year": r.year,
             "attested": r.attested.isoformat(), "statement": r.statement} for r in rows]


def _period(data_dict) -> str:
    period = str(data_dict.get("period") or store.today().year).strip()
    try:
        figures.period_range(period)
    except ValueError:
        raise tk.ValidationError({"period": [_("Give a year (2025) or a quarter (2025Q3)")]})
    return period


@tk.side_effect_free
def govopen_scorecard_public(context, data_dict) -> dict[str, Any]:
    """The public part of the scorecard for a period, per department: public entries, the
    ratios (freshness, completeness, upkeep, requests on time, machine-readable share), request
    counts (received, answered, on time, median working days, deemed, escalated) and openness by
    category. Counts only: no request, applicant or private entry. Anyone may read it; the
    portals of the tiers above read it for their scorecard (``govopen_scorecard_tiers``).

    :param period: ``2025`` or ``2025Q3`` (default: the current year)
    """
    data_dict = data_dict or {}
    tk.check_access("govopen_scorecard_public", context, data_dict)
    return collect.public_figures(_period(data_dict), store.today())


def govopen_scorecard_tiers(context, data_dict) -> dict[str, Any]:
    """The scorecard of the portals below (the sync sources this portal harvests), each read
    from its ``govopen_scorecard_public`` and scored with this portal's weights. For the data
    authority. A portal that cannot be read is listed with its ``error``.

    :param period: ``2025`` or ``2025Q3`` (default: the current year)
    """
    from ckanext.govopen.scorecard import tiers
    from ckanext.govopen.translations import text

    data_dict = data_dict or {}
    tk.check_access("govopen_scorecard", context, data_dict)
    period = _period(data_dict)
    portals = tiers.tier_figures(period.upper(), _weights())
    for portal in portals:
        portal["error"] = text(portal["error"]) if portal["error"] else None
    return {"period": period.upper(), "portals": portals}
