"""The catalogue's own pages: the public catalogue (政务数据资源目录), the negative list (负面清单),
their export, and the upload page where a department imports its template spreadsheet."""
from __future__ import annotations

import datetime
import urllib.parse

from flask import Blueprint, request
from werkzeug.wrappers import Response

import ckan.plugins.toolkit as tk
from ckan.lib.pagination import Page

from ckanext.govopen.catalogue import export, template
from ckanext.govopen.translations import _
from ckanext.govopen.views.common import login_first

__all__ = ["govopen_catalogue"]

govopen_catalogue = Blueprint("govopen_catalogue", __name__, url_prefix="/catalogue")

PAGE_SIZE = 50
_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "csv": "text/csv; charset=utf-8"}


def _context() -> dict:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


def _listing(negative: bool) -> str:
    filters = export.filters_from(request.args)
    number = _page_number()
    try:
        found = export.search(_context(), filters, negative=negative, start=(number - 1) * PAGE_SIZE, rows=PAGE_SIZE)
    except tk.ValidationError:
        # A query Solr cannot parse: say so beside the search box, list nothing.
        found = {"count": 0, "results": [], "search_facets": {}}
        filters["error"] = _('The search could not be understood: check quotes and brackets')
    query_args = {k: v for k, v in filters.items() if k != "error"}
    pager = Page(collection=found["results"], page=number, item_count=found["count"], items_per_page=PAGE_SIZE,
                 presliced_list=True, url=lambda page=1, **_kw: tk.h.url_for(request.endpoint, **query_args, page=page))
    query = urllib.parse.urlencode(query_args)
    return tk.render("govopen/catalogue/index.html", {
        "found": found, "filters": filters, "page": pager, "negative": negative, "query": query,
        "facets": {name: facet.get("items", []) for name, facet in found.get("search_facets", {}).items()}})


@govopen_catalogue.route("/")
def index() -> str:
    return _listing(negative=False)


@govopen_catalogue.route("/negative-list")
def negative_list() -> str:
    return _listing(negative=True)


def _download(data: bytes, name: str, fmt: str) -> Response:
    quoted = urllib.parse.quote(name)
    return Response(data, mimetype=_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"catalogue.{fmt}\"; filename*=UTF-8''{quoted}",
        "X-Content-Type-Options": "nosniff"})


@govopen_catalogue.route("/export.<fmt>")
def export_file(fmt: str) -> Response:
    """The listed entries (same filters as the page) as the template's XLSX or as CSV."""
    if fmt not in _TYPES:
        return tk.abort(404)
    negative = request.args.get("negative") == "1"
    found = export.datasets(_context(), export.filters_from(request.args), negative=negative)
    try:
        data = export.xlsx(found) if fmt == "xlsx" else export.csv_bytes(found)
    except tk.ValidationError:
        return tk.abort(400, _('The search could not be understood: check quotes and brackets'))
    title = _('Negative list') if negative else _('Government data resource catalogue')
    return _download(data, f"{title}-{datetime.date.today().isoformat()}.{fmt}", fmt)


def _departments() -> list[dict]:
    return tk.get_action("organization_list_for_user")(_context(), {"permission": "create_dataset"})


@govopen_catalogue.route("/import", methods=["GET", "POST"])
def upload() -> str | Response:
    """The upload page: choose the department and the file; the import runs in the background."""
    redirect = login_first()
    if redirect is not None:
        return redirect
    departments = _departments()
    if not departments:
        return tk.abort(403, _('Only editors and admins of a department may import a catalogue'))
    errors: dict = {}
    form = {"owner_org": request.form.get("owner_org") or request.args.get("owner_org") or "",
            "valid_rows_only": bool(request.form.get("valid_rows_only"))}
    if request.method == "POST":
        upload_file = request.files.get("upload")
        try:
            started = tk.get_action("govopen_catalogue_import")(_context(), {
                "owner_org": form["owner_org"], "valid_rows_only": form["valid_rows_only"],
                "content": upload_file.read() if upload_file else None,
                "filename": upload_file.filename if upload_file else ""})
            return tk.redirect_to(tk.url_for("govopen_catalogue.import_status", import_id=started["id"]))
        except tk.ValidationError as e:
            errors = e.error_dict
        except tk.NotAuthorized:
            errors = {"owner_org": [_('Only editors and admins of the department may import its catalogue')]}
    return tk.render("govopen/catalogue/upload.html", {"departments": departments, "errors": errors, "form": form,
                                                       "max_mb": tk.config["ckanext.govopen.catalogue.import_max_mb"],
                                                       "item_sheet": template.ITEM_SHEET})


def _import(import_id: str) -> dict:
    try:
        return tk.get_action("govopen_catalogue_import_show")(_context(), {"id": import_id})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, _('No such import'))


@govopen_catalogue.route("/import/<import_id>")
def import_status(import_id: str) -> str | Response:
    redirect = login_first()
    if redirect is not None:
        return redirect
    job = _import(import_id)
    return tk.render("govopen/catalogue/import.html", {"job": job})


@govopen_catalogue.route("/import/<import_id>/report.<fmt>")
def import_report(import_id: str, fmt: str) -> Response:
    from ckanext.govopen.catalogue import importer, report_file

    redirect = login_first()
    if redirect is not None:
        return redirect
    if fmt not in _TYPES:
        return tk.abort(404)
    job = _import(import_id)
    if not job["report"]:
        return tk.abort(404, _('The import has not finished'))
    report = importer.Report(**job["report"])
    return _download(report_file.render(report, f"x.{fmt}"), f"{_('Import report')}-{job['filename']}.{fmt}", fmt)
