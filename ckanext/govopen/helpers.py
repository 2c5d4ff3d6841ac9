"""govopen_* template helpers."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.govopen.catalogue import hooks as catalogue
from ckanext.govopen.translations import gettext, text

__all__ = ["govopen_text", "govopen_category_changes", "govopen_choice_label", "govopen_item_type_label",
           "govopen_open_objections", "govopen_privacy_hides_resources", "govopen_privacy_suspended", "govopen_request_label",
           "govopen_countdown", "govopen_request_kinds_offered", "govopen_user_label", "govopen_org_title",
           "govopen_mask", "govopen_has_queue", "govopen_local_date", "govopen_forwards_here",
           "govopen_portal_figures", "govopen_portal_region", "govopen_portal_colour",
           "govopen_sees_share_category", "govopen_usage", "govopen_datastore_load",
           "govopen_datastore_api", "govopen_pager_symbols", "govopen_scorecard_label", "govopen_chart_library",
           "govopen_percent"]


def govopen_text(value) -> str:
    """A citation, policy title, warning or system note in the page's language (text a person
    typed is shown as typed)."""
    return text(value)


def govopen_category_changes(package_id: str) -> list[dict]:
    try:
        return tk.get_action("govopen_category_change_list")({}, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return []


def govopen_choice_label(field_name: str, value: str) -> str:
    """The label of a select value of the dataset schema in the page's language."""
    return catalogue.choice_label(field_name, value) if value else ""


def govopen_item_type_label(code: str) -> str:
    """A data item's type code (C, N, …) with its name, from the schema's value list."""
    field = catalogue.schema_field("data_items") or {}
    for sub in field.get("repeating_subfields", []):
        if sub["field_name"] == "type":
            for choice in sub.get("choices", []):
                if choice["value"] == code:
                    return catalogue.label_text(choice["label"])
    return code or ""


def govopen_open_objections(package_id: str) -> dict[str, int]:
    """Open objections to a dataset by type: the page marks it disputed at once (Nanjing 35).
    Counts only, nothing about who objected."""
    import sqlalchemy as sa

    import ckan.model as model

    from ckanext.govopen.model import Request
    from ckanext.govopen.requests.rules import OPEN_STATUSES

    kind = Request.applicant["objection_type"].astext
    rows = (model.Session.query(kind, sa.func.count())
            .filter(Request.package_id == package_id, Request.kind == "objection",
                    Request.status.in_(OPEN_STATUSES)).group_by(kind))
    return {k or "error": n for k, n in rows}


def govopen_privacy_hides_resources() -> bool:
    return bool(tk.config["ckanext.govopen.objections.privacy_hides_resources"])


def govopen_privacy_suspended(package_id: str) -> bool:
    """Are the dataset's resources suspended by a privacy objection now? (Nothing about who objected.)"""
    from ckanext.govopen.access import gate

    return package_id in gate.privacy_disputed([package_id])


from ckanext.govopen.requests.labels import REQUEST_LABELS  # noqa: E402  (re-exported for templates)


def govopen_request_label(value: str | None) -> str:
    """A request kind, status, action or choice in the page's language."""
    if not value:
        return ""
    msgid = REQUEST_LABELS.get(value)
    return gettext(msgid) if msgid else value


def govopen_countdown(due: str | None) -> dict | None:
    """Days and working days left until DUE (ISO date), negative when overdue."""
    import datetime

    from ckanext.govopen import deadlines as dl
    from ckanext.govopen.requests import store as request_store
    from ckanext.govopen.deadlines import sla

    if not due:
        return None
    day = datetime.date.fromisoformat(due)
    today = request_store.today()
    return {"days": (day - today).days, "working_days": dl.working_days_remaining(today, day, sla.calendar()),
            "overdue": day < today}


def govopen_request_kinds_offered(pkg: dict) -> list[str]:
    """The requests the dataset page offers the current user (see requests.rules.offered_kinds)."""
    from ckanext.govopen.requests import rules as request_rules
    from ckanext.govopen.requests import store as request_store

    copy = bool(pkg.get("origin_dataset_id"))
    if copy and not govopen_forwards_here(pkg):
        return []  # a copy whose origin this portal cannot reach: apply there (govopen/snippets/provenance.html)
    user = tk.current_user if tk.current_user.is_authenticated else None
    others = [o for o in request_store.share_departments(user) if o != pkg.get("owner_org")] if user else []
    kinds = request_rules.offered_kinds(pkg.get("open_category"), pkg.get("share_category"),
                                        user is not None, len(others))
    # A copy: applications are forwarded to its origin; objections and error reports go there.
    return [k for k in kinds if k in request_rules.APPLICATIONS] if copy else kinds


def govopen_forwards_here(pkg: dict) -> bool:
    """Is PKG a copy whose applications this portal forwards to its origin (it shares a secret
    with the origin portal)?"""
    from ckanext.govopen.sync import peer

    return bool(pkg.get("origin_dataset_id") and pkg.get("origin_portal")
                and peer.secret_of(str(pkg["origin_portal"])))


def govopen_user_label(user_id: str | None) -> str:
    """A user's display name (request pages show it to deciders only)."""
    import ckan.model as model

    user = model.User.get(user_id) if user_id else None
    return user.display_name if user else ""


def govopen_org_title(org_id: str | None) -> str:
    import ckan.model as model

    group = model.Group.get(org_id) if org_id else None
    return group.display_name if group else ""


def govopen_mask(value: str | None) -> str:
    """An identifier with its middle hidden, for letters and mail."""
    from ckanext.govopen.catalogue.codes import mask_identifier

    return mask_identifier(value) if value else ""


def govopen_has_queue() -> bool:
    """Does the current user work in a department (or the data authority), so has a queue?"""
    from ckanext.govopen.requests import store as request_store

    if not tk.current_user.is_authenticated:
        return False
    return bool(tk.current_user.sysadmin or request_store.memberships(tk.current_user))


def govopen_local_date(instant: str | None) -> str:
    """The day (Beijing time) of an instant the API gives ("2026-12-04T16:30:00Z" -> "2026-12-05")."""
    import datetime

    from ckanext.govopen.deadlines import SHANGHAI

    if not instant:
        return ""
    return datetime.datetime.fromisoformat(instant).astimezone(SHANGHAI).date().isoformat()


def govopen_portal_figures() -> dict:
    """The front door's figures (govopen_portal_figures), once per page."""
    from flask import g

    if "govopen_portal_figures" not in g:
        g.govopen_portal_figures = tk.get_action("govopen_portal_figures")({}, {})
    return g.govopen_portal_figures


def govopen_portal_region() -> str:
    return tk.config.get("ckanext.govopen.portal.region") or ""


def govopen_portal_colour() -> str:
    """The portal's main colour, checked (portal.theme.colour), else the declared default."""
    from ckan.common import config_declaration

    from ckanext.govopen.portal import theme

    key = "ckanext.govopen.portal.colour"
    return theme.colour(tk.config.get(key)) or config_declaration.get(key).default


def govopen_sees_share_category() -> bool:
    """Government users (members of a government department) and sysadmins: the share category
    is for them (it says what other departments may have); citizens see the open category."""
    from ckanext.govopen.requests import store as request_store

    from flask import g

    if not tk.current_user.is_authenticated:
        return False
    if "govopen_sees_share" not in g:  # asked once per result in a list: looked up once per page
        user = tk.current_user
        g.govopen_sees_share = bool(getattr(user, "sysadmin", False) or request_store.share_departments(user))
    return g.govopen_sees_share


def govopen_usage(package_id: str) -> dict[str, int]:
    """A dataset's uses so far: page views, downloads, API reads (robots left out)."""
    from ckanext.govopen.portal import count

    return count.totals(package_id)


def govopen_datastore_load(resource_id: str, once: bool = False) -> dict | None:
    """The resource's last DataStore load for its page (None when there is none or the DataStore
    is off), with ``percent`` of the file read and ``may_reload`` for whoever may edit it. With
    ONCE, read once per request (the page's blocks each ask)."""
    if once:
        from flask import g, has_request_context

        if has_request_context():
            cache = g.setdefault("govopen_datastore_loads", {})
            if resource_id not in cache:
                cache[resource_id] = govopen_datastore_load(resource_id)
            return cache[resource_id]
    import ckan.plugins as p

    if not p.plugin_loaded("datastore"):
        return None
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    try:
        found = tk.get_action("govopen_datastore_load_show")(dict(context), {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None
    if not found:
        return None
    total = found["bytes_total"] or 0
    found["percent"] = min(100, found["bytes_read"] * 100 // total) if total else 0
    try:
        tk.check_access("govopen_datastore_load", dict(context), {"id": resource_id})
        found["may_reload"] = True
    except tk.NotAuthorized:
        found["may_reload"] = False
    return found


def govopen_datastore_api(resource_id: str) -> dict | None:
    """The Data API help of a DataStore table, as the reader may see it: the endpoint, the fields
    (name, the file's header, type) and an example filter on the first column with a value."""
    import json

    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    try:
        found = tk.get_action("datastore_search")(context, {"resource_id": resource_id, "limit": 1})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None
    fields = [{"id": f["id"], "type": f.get("type"), "label": (f.get("info") or {}).get("label") or ""}
              for f in found["fields"] if not f["id"].startswith("_")]
    record = (found.get("records") or [{}])[0]
    example = next(({"field": f["id"], "value": record[f["id"]],
                     "filters": json.dumps({f["id"]: record[f["id"]]}, ensure_ascii=False)}
                    for f in fields if record.get(f["id"]) not in (None, "")), None)
    return {"endpoint": tk.url_for("api.action", logic_function="datastore_search", qualified=True),
            "fields": fields, "example": example}


def govopen_pager_symbols() -> dict:
    """Previous and next links for ``page.pager(**…)`` that a screen reader can name: CKAN's are
    bare chevron icons, which fail the accessibility audit once a list has a second page."""
    from dominate import tags  # what CKAN's pager builds its links with

    def symbol(icon: str, label: str):
        return tags.span(tags.i(cls=f"fa-solid {icon}", aria_hidden="true"), tags.span(label, cls="visually-hidden"))
    return {"symbol_previous": symbol("fa-chevron-left", gettext("Previous page")),
            "symbol_next": symbol("fa-chevron-right", gettext("Next page"))}


def govopen_scorecard_label(name: str) -> str:
    """A scorecard figure's or a change event status's name in the page's language."""
    from ckanext.govopen.scorecard import export

    return text(export.LABELS.get(name, name))


def govopen_chart_library() -> str | None:
    """The URL of the charting library (Chart.js, installed by scripts/deps.sh), or None when
    this installation lacks it: the pages then show their tables only."""
    import pathlib

    from ckanext.govopen.scorecard import export

    path = pathlib.Path(__file__).with_name("public") / export.CHART_LIBRARY.lstrip("/")
    return tk.h.url_for_static(export.CHART_LIBRARY) if path.is_file() else None


def govopen_percent(ratio: float | None) -> str:
    """A ratio as a percentage for a table cell; a dash when it is not assessed."""
    from ckanext.govopen.scorecard import export

    return export.percent(ratio) or "—"
