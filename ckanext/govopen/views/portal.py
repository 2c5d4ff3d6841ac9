"""The front door's own pages (every theme with its count, the openness figures) and the
counting of uses: each dataset page, resource download and API read a person makes."""
from __future__ import annotations

import logging

from flask import Blueprint, request
from werkzeug.wrappers import Response

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.portal import usage
from ckanext.govopen.translations import _

__all__ = ["govopen_portal"]

log = logging.getLogger(__name__)
govopen_portal = Blueprint("govopen_portal", __name__)


@govopen_portal.after_app_request
def count_use(response: Response) -> Response:
    """Count a served dataset page, download or API read (robots left out). Counting never
    fails the response it counts."""
    kind = usage.kind_of(request.endpoint or "", request.method, response.status_code)
    if kind is None or usage.is_robot(request.headers.get("User-Agent")):
        return response
    from ckanext.govopen.portal import count

    try:
        params = dict(request.args)
        if kind == "api" and request.method == "POST":
            body = request.get_json(silent=True)
            params = body if isinstance(body, dict) else dict(request.form)
        package_id = count.dataset_of(kind, request.view_args or {}, params)
        if package_id is not None:
            count.record(kind, package_id)
    except Exception:  # noqa: BLE001 - a lost count is logged, the page is still served
        model.Session.rollback()
        log.warning("govopen: a use of %s could not be counted", request.path, exc_info=True)
    return response


@govopen_portal.route("/themes")
def themes():
    return tk.render("govopen/portal/themes.html", {})


@govopen_portal.route("/openness")
def openness():
    """This year's figures, or another year's (?year=2025) for the requests."""
    raw = request.args.get("year", "").strip()
    data = {"year": raw} if raw else {}
    try:
        figures = tk.get_action("govopen_portal_figures")({}, data)
    except tk.ValidationError:
        return tk.abort(400, _('The year must be a whole number from 2000 to 2100'))
    health = tk.get_action("govopen_catalogue_health")({}, {})
    departments = [d for d in health["departments"] if d["entries"]]
    departments.sort(key=lambda d: (-d["entries"], d["title"]))
    return tk.render("govopen/portal/openness.html", {"figures": figures, "health": health,
                                                       "departments": departments})
