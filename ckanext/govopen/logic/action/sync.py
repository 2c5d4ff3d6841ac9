"""The cascade: receiving push reports, and applications forwarded between tiers (``sync.receive``, ``sync.forward`` do the work)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.logic import schema
from ckanext.govopen.sync import receive
from ckanext.govopen.times import api_time
from ckanext.govopen.translations import _

__all__ = ["govopen_sync_receive", "govopen_report_list", "govopen_forward_receive", "govopen_forward_list",
           "govopen_forward_show"]


def _listing_problem(listing: Any) -> str | None:
    if not isinstance(listing, dict) or not all(isinstance(k, str) and k and isinstance(v, str) and v
                                                for k, v in listing.items()):
        return _('An object of every reported entry id and its content hash')
    return None


def _entries_problem(entries: Any) -> str | None:
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("id"), str) and e["id"]
                                                for e in entries):
        return _('A list of entries, each an object with its id')
    if len(entries) > receive.MAX_ENTRIES:
        return _('At most {limit} entries per call').format(limit=receive.MAX_ENTRIES)
    return None


def govopen_sync_receive(context, data_dict) -> dict[str, Any]:
    """One step of a push report from the origin portal whose signature the cascade view
    verified (``context["govopen_origin"]``); not callable through the action API.

    :param step: ``offer`` (with ``listing``: entry id -> content hash, every entry reported),
        ``entries`` (with ``report`` and ``entries``, at most 100 whole entries) or ``finish``
        (with ``report``)
    :returns: offer: ``report``, ``wanted`` (ids to send whole), ``withdrawn``; entries:
        ``results`` (``id``, ``code``, ``status`` or ``message`` per entry); finish: the
        report's figures (``added``, ``updated``, ``withdrawn``, ``errored``)
    :raises ValidationError: a malformed body (return code 1006), by field
    """
    tk.check_access("govopen_sync_receive", context, data_dict)
    source = receive.push_source(context["govopen_origin"])
    if source is None:
        raise tk.NotAuthorized(_('Unknown origin portal'))
    step = data_dict.get("step")
    errors: dict[str, list[str]] = {}
    if step not in ("offer", "entries", "finish"):
        errors["step"] = [_('One of offer, entries, finish')]
    if step == "offer" and (problem := _listing_problem(data_dict.get("listing"))):
        errors["listing"] = [problem]
    if step in ("entries", "finish") and not (isinstance(data_dict.get("report"), str) and data_dict["report"]):
        errors["report"] = [_('The report id the offer answered')]
    if step == "entries" and (problem := _entries_problem(data_dict.get("entries"))):
        errors["entries"] = [problem]
    if errors:
        raise tk.ValidationError(errors)
    if step == "offer":
        return receive.offer(source, data_dict["listing"])
    if step == "entries":
        return receive.entries(source, data_dict["report"], data_dict["entries"])
    return receive.finish(source, data_dict["report"])


def _report_dict(row) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "status": row.status, "started": api_time(row.started), "finished": api_time(row.finished),
            "remote_id": row.remote_id, "figures": dict(row.figures or {}), "refused": list(row.refused or []),
            "error": row.error}


@tk.side_effect_free
def govopen_report_list(context, data_dict) -> list[dict[str, Any]]:
    """The tiers above this portal reports to (``ckanext.govopen.sync.targets_file``): each
    target's name, url and kind (never its secret), its last report and last complete report
    (status, times, figures, refused entries, error) and ``waiting`` (entries changed here since
    the last complete report began, or refused by it; None before the first). For the data
    authority and sysadmins.
    """
    from ckanext.govopen.sync import report

    tk.check_access("govopen_report_list", context, data_dict)
    try:
        shown = report.last_reports()
    except report.ReportFailed as err:
        raise tk.ValidationError({"targets_file": [str(err)]})
    return [{**t, "last": _report_dict(t["last"]), "last_done": _report_dict(t["last_done"])} for t in shown]


def govopen_forward_receive(context, data_dict) -> dict[str, Any]:
    """An application forwarded by the portal whose signature the cascade view verified
    (``context["govopen_origin"]``: here, the portal that forwards), or its question about
    the requests it forwarded; not callable through the action API.

    :param step: ``apply`` (with ``forward_id``, ``kind`` open_application or share_application,
        ``dataset_id`` (this portal's), ``applicant``: the applicant's declaration, as
        govopen_request_create takes it), ``status`` (with ``forward_ids``, at most 100) or
        ``resource`` (with ``forward_id`` and ``resource_id``: a resource the request was granted)
    :returns: apply: the request's state (``forward_id``, ``id``, ``number``, ``status``, ``due``,
        ``decision``, ``events``, each with this portal's URL); status: ``requests``, a list of those;
        resource: ``url`` (a link) or ``file`` (an upload's path here, which the view streams)
    :raises ValidationError: field errors (the application's own, as govopen_request_create's)
    """
    from ckanext.govopen.sync import forward

    tk.check_access("govopen_forward_receive", context, data_dict)
    portal = context["govopen_origin"].rstrip("/")
    step = data_dict.get("step")
    if step == "status":
        ids = data_dict.get("forward_ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > 100:
            raise tk.ValidationError({"forward_ids": [_('A list of at most 100 forward ids')]})
        return {"requests": forward.states(portal, ids)}
    errors: dict[str, list[str]] = {}
    if step not in ("apply", "resource"):
        errors["step"] = [_('One of apply, status, resource')]
    if not (isinstance(data_dict.get("forward_id"), str) and 0 < len(data_dict["forward_id"]) <= 100):
        errors["forward_id"] = [_('The id of the forward at the portal that sends it')]
    if step == "resource":
        if not (isinstance(data_dict.get("resource_id"), str) and 0 < len(data_dict["resource_id"]) <= 100):
            errors["resource_id"] = [_('The id of a resource the request was granted')]
        if errors:
            raise tk.ValidationError(errors)
        return forward.resource(portal, data_dict["forward_id"], data_dict["resource_id"])
    if data_dict.get("kind") not in ("open_application", "share_application"):
        errors["kind"] = [_('Only applications for data and share requests are forwarded')]
    if not isinstance(data_dict.get("dataset_id"), str):
        errors["dataset_id"] = [_('No such dataset')]
    if not isinstance(data_dict.get("applicant"), dict):
        errors["applicant"] = [_('The applicant\'s declaration, as an object')]
    if errors:
        raise tk.ValidationError(errors)
    return forward.accept(portal, data_dict)


@tk.side_effect_free
@tk.validate(schema.govopen_forward_list)
def govopen_forward_list(context, data_dict) -> dict[str, Any]:
    """Applications made here for copies and forwarded to their origin portals: the user's own and
    their departments' share requests (sysadmins: everyone's, with ``all``), newest first, with the
    origin's status, due date, decision and events.

    :param all: sysadmins only: every user's (default: False)
    :param limit: 1 to 100 (default 20) :param offset: (default 0)
    :returns: ``count`` and ``results``
    """
    from ckanext.govopen.model import Forward
    from ckanext.govopen.sync import forward

    tk.check_access("govopen_forward_list", context, data_dict)
    user = model.User.get(context.get("user") or "")
    from ckanext.govopen.requests import store as request_store

    q = model.Session.query(Forward)
    if not (user.sysadmin and data_dict.get("all")):
        departments = list(request_store.memberships(user))
        q = q.filter(sa.or_(Forward.user_id == user.id, sa.and_(
            Forward.kind == "share_application",
            Forward.applicant["applicant_org"].astext.in_(departments or [""]))))
    rows = q.order_by(Forward.created.desc()).limit(data_dict["limit"]).offset(data_dict["offset"]).all()
    return {"count": q.count(),
            "results": [forward.forward_dict(f, see_identifiers=f.user_id == user.id or user.sysadmin) for f in rows]}


@tk.side_effect_free
@tk.validate(schema.govopen_request_id)
def govopen_forward_show(context, data_dict) -> dict[str, Any]:
    """One application made here for a copy and forwarded to its origin: its state, the origin's
    status, due date, decision, the resources still granted, and one trail of events from both
    portals. The applicant, members of a share request's department, and sysadmins; not-found
    for anyone else. Identifiers are masked for all but the applicant and sysadmins.

    :param id: the forward's id
    """
    from ckanext.govopen.model import Forward
    from ckanext.govopen.sync import forward

    tk.check_access("govopen_forward_show", context, data_dict)
    user = model.User.get(context.get("user") or "")
    fwd = model.Session.get(Forward, data_dict["id"])
    if fwd is None or not forward.may_follow(fwd, user):
        raise tk.ObjectNotFound(_('Request not found'))
    return forward.forward_dict(fwd, see_identifiers=fwd.user_id == user.id or bool(user.sysadmin))
