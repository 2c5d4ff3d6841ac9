"""The security audit log's page for the auditor (filters, pages, the same events as CSV) and
the security settings' page for the security administrator (what is in force, who holds which
duty, lifting a login lockout). Who holds the duties: security/duties.py."""
from __future__ import annotations

import datetime

from flask import Blueprint, request
from werkzeug.wrappers import Response

import ckan.plugins.toolkit as tk

from ckanext.govopen.catalogue import spreadsheet
from ckanext.govopen.security import audit
from ckanext.govopen.translations import _
from ckanext.govopen.views.common import PAGE_SIZE, login_first, page_number, pager

__all__ = ["govopen_security", "govopen_security_settings"]

govopen_security = Blueprint("govopen_security", __name__, url_prefix="/ckan-admin/security-events")
govopen_security_settings = Blueprint("govopen_security_settings", __name__, url_prefix="/ckan-admin/security")

EXPORT_LIMIT = 1000  # the action's page size: the export pages through it
_FILTERS = ("kind", "user", "since", "until")


def _context() -> dict:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "").strip() for k in _FILTERS if request.args.get(k, "").strip()}


@govopen_security.route("/")
def index() -> str | Response:
    if (redirect := login_first()) is not None:
        return redirect
    filters, page = _filters(), page_number()
    errors: dict = {}
    try:
        found = tk.get_action("govopen_security_event_list")(
            _context(), {**filters, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the auditor sees the security audit log"))
    except tk.ValidationError as e:
        found, errors = {"count": 0, "results": []}, e.error_dict
    return tk.render("govopen/admin/security_events.html", {
        "found": found, "filters": filters, "errors": errors, "kinds": audit.KINDS, "labels": audit.LABELS,
        "pager": pager(found["count"], page, **filters)})


@govopen_security.route("/export.csv")
def export() -> Response:
    if (redirect := login_first()) is not None:
        return redirect
    filters, rows, offset = _filters(), [], 0
    try:
        while True:
            found = tk.get_action("govopen_security_event_list")(
                _context(), {**filters, "limit": EXPORT_LIMIT, "offset": offset})
            rows += [[e["created"], e["kind"], e["user_id"] or "", e["subject"] or "", e["address"] or "",
                      ", ".join(f"{k}={v}" for k, v in sorted(e["details"].items()))] for e in found["results"]]
            offset += EXPORT_LIMIT
            if offset >= found["count"]:
                break
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the auditor sees the security audit log"))
    except tk.ValidationError:
        return tk.abort(400, _("Check the filters"))
    data = spreadsheet.csv_table([_("Time (UTC)"), _("Event"), _("Actor"), _("Subject"), _("Address"), _("Details")],
                                 rows)
    day = datetime.date.today().isoformat()
    return Response(data, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="security-events-{day}.csv"'})


@govopen_security_settings.route("/", methods=["GET", "POST"])
def settings() -> str | Response:
    if (redirect := login_first()) is not None:
        return redirect
    errors: dict = {}
    form = {k: request.form.get(k, "").strip() for k in ("login", "address")} if request.method == "POST" else {}
    try:
        if request.method == "POST":
            try:
                done = tk.get_action("govopen_login_unlock")(_context(), form)
                tk.h.flash_success(_("Lockout lifted ({count} counters cleared)").format(count=done["cleared"]))
                return tk.redirect_to("govopen_security_settings.settings")
            except tk.ValidationError as e:
                errors = e.error_dict
        current = tk.get_action("govopen_security_settings")(_context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the security administrator sees and manages the security settings"))
    return tk.render("govopen/admin/security_settings.html", {"current": current, "form": form, "errors": errors}), \
        (400 if errors else 200)
