"""The front door's own pages: every theme with its count, and the openness figures."""
from __future__ import annotations

from flask import Blueprint, request

import ckan.plugins.toolkit as tk

from ckanext.govopen.translations import _

__all__ = ["govopen_portal"]

govopen_portal = Blueprint("govopen_portal", __name__)


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
    return tk.render("govopen/portal/openness.html", {"figures": figures})
