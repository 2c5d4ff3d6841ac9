"""The receiving end of the cascade's push report (``sync.receive`` does the work)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govopen.sync import receive
from ckanext.govopen.times import api_time
from ckanext.govopen.translations import _

__all__ = ["govopen_sync_receive", "govopen_report_list"]


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
