"""The department scorecard's pages: the data authority's scorecard (figures, charts, change
events), its printable report and exports, and the yearly review form of department admins.
The public figures are on the portal's statistics page (``govopen_portal.openness``)."""
from __future__ import annotations

import datetime
import urllib.parse

from flask import Blueprint, request
from werkzeug.wrappers import Response

import ckan.plugins.toolkit as tk

from ckanext.govopen.deadlines.engine import SHANGHAI
from ckanext.govopen.requests import store
from ckanext.govopen.scorecard import export, figures
from ckanext.govopen.translations import _
from ckanext.govopen.views.common import login_first

__all__ = ["govopen_scorecard"]

govopen_scorecard = Blueprint("govopen_scorecard", __name__, url_prefix="/scorecard")

_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "csv": "text/csv; charset=utf-8"}
EVENTS_SHOWN = 20


def _context() -> dict:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _period() -> str:
    """The period asked for (default: the last closed quarter), or a 400 saying how to write it."""
    raw = request.args.get("period", "").strip()
    if not raw:
        today = store.today()
        quarter = (today.month - 1) // 3  # the last closed one: 0 means last year's fourth
        return f"{today.year - 1}Q4" if quarter == 0 else f"{today.year}Q{quarter}"
    try:
        figures.period_range(raw)
    except ValueError:
        return tk.abort(400, _("Give a year (2025) or a quarter (2025Q3)"))
    return raw.upper()


def _periods() -> list[str]:
    """The periods offered: the last five years and their quarters, newest first."""
    year = store.today().year
    return [p for y in range(year, year - 5, -1) for p in (str(y), *(f"{y}Q{q}" for q in (4, 3, 2, 1)))]


def _card(period: str) -> dict | Response:
    try:
        return tk.get_action("govopen_scorecard")(_context(), {"period": period})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the data authority sees the scorecard"))


def _render(period: str, form: dict | None = None, errors: dict | None = None) -> str | Response:
    card = _card(period)
    events = tk.get_action("govopen_change_event_list")(_context(), {"limit": EVENTS_SHOWN})
    departments = tk.get_action("organization_list")(_context(), {"all_fields": True, "limit": 1000})
    chart = [{"name": d["title"], "score": d["score"], **{k: export.percent(v) for k, v in d["ratios"].items()}}
             for d in card["departments"]]
    return tk.render("govopen/scorecard/index.html", {
        "card": card, "period": period, "periods": _periods(), "events": events, "departments": departments,
        "chart": chart, "headers": export.headers(summary=True), "rows": export.rows(card, summary=True), "form": form or {},
        "errors": errors or {}, "today": store.today().isoformat()})


@govopen_scorecard.route("/")
def index() -> str | Response:
    if (redirect := login_first()) is not None:
        return redirect
    return _render(_period())


@govopen_scorecard.route("/change-events", methods=["POST"])
def change_event_create() -> str | Response:
    if (redirect := login_first()) is not None:
        return redirect
    form = {k: request.form.get(k, "") for k in ("organization", "happened", "reason")}
    period = _period()
    try:
        tk.get_action("govopen_change_event_create")(_context(), dict(form))
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the data authority registers change events"))
    except tk.ValidationError as e:
        return _render(period, form, e.error_dict)
    tk.h.flash_success(_("The change event is registered: the department's catalogue updates are now due"))
    return tk.redirect_to(tk.url_for("govopen_scorecard.index", period=period))


@govopen_scorecard.route("/change-events/<id>/delete", methods=["POST"])
def change_event_delete(id: str) -> Response:
    if (redirect := login_first()) is not None:
        return redirect
    try:
        tk.get_action("govopen_change_event_delete")(_context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the data authority registers change events"))
    except tk.ObjectNotFound:
        return tk.abort(404, _("Change event not found"))
    tk.h.flash_success(_("The change event is removed"))
    return tk.redirect_to(tk.url_for("govopen_scorecard.index", period=_period()))


@govopen_scorecard.route("/tiers")
def tiers() -> str | Response:
    """The portals below (those this portal harvests), each with its departments' figures."""
    if (redirect := login_first()) is not None:
        return redirect
    period = _period()
    try:
        found = tk.get_action("govopen_scorecard_tiers")(_context(), {"period": period})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only the data authority sees the scorecard"))
    return tk.render("govopen/scorecard/tiers.html", {"found": found, "period": period, "periods": _periods()})


@govopen_scorecard.route("/report")
def report() -> str | Response:
    """The quarterly (or yearly) report, laid out for the browser's print (to paper or PDF)."""
    if (redirect := login_first()) is not None:
        return redirect
    period = _period()
    card = _card(period)
    return tk.render("govopen/scorecard/report.html", {
        "card": card, "headers": export.headers(summary=True), "rows": export.rows(card, summary=True),
        "printed": datetime.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M")})


@govopen_scorecard.route("/export.<fmt>")
def export_file(fmt: str) -> Response:
    if fmt not in _TYPES:
        return tk.abort(404)
    if (redirect := login_first()) is not None:
        return redirect
    card = _card(_period())
    data = export.xlsx_bytes(card) if fmt == "xlsx" else export.csv_bytes(card)
    name = urllib.parse.quote(_("Scorecard {period}").format(period=card["period"]) + f".{fmt}")
    return Response(data, mimetype=_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"scorecard-{card['period']}.{fmt}\"; filename*=UTF-8''{name}",
        "X-Content-Type-Options": "nosniff"})


def _admin_departments() -> list[dict]:
    return tk.get_action("organization_list_for_user")(_context(), {"permission": "admin"})


@govopen_scorecard.route("/review", methods=["GET", "POST"])
def review() -> str | Response:
    """The yearly review: a department admin attests that the whole catalogue was reviewed;
    the page lists the department's change events and when its updates are due."""
    if (redirect := login_first()) is not None:
        return redirect
    departments = _admin_departments()
    if not departments:
        return tk.abort(403, _("Only admins of a department attest its yearly review"))
    chosen = request.values.get("organization") or departments[0]["name"]
    if chosen not in {d["name"] for d in departments} | {d["id"] for d in departments}:
        return tk.abort(403, _("Only admins of the department attest its yearly review"))
    form, errors = {"year": str(store.today().year), "statement": ""}, {}
    if request.method == "POST":
        form = {"year": request.form.get("year", ""), "statement": request.form.get("statement", "")}
        try:
            tk.get_action("govopen_attestation_create")(_context(), {"organization": chosen, **form})
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(_("The yearly review is attested"))
            return tk.redirect_to(tk.url_for("govopen_scorecard.review", organization=chosen))
    events = tk.get_action("govopen_change_event_list")(_context(), {"organization": chosen, "limit": 50})
    attestations = tk.get_action("govopen_attestation_list")(_context(), {"organization": chosen})
    return tk.render("govopen/scorecard/review.html", {
        "departments": departments, "chosen": chosen, "events": events, "attestations": attestations,
        "form": form, "errors": errors, "years": [store.today().year, store.today().year - 1]})

