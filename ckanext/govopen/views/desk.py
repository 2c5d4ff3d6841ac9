"""Pages: parse the request, call the action, render.

The request desk: the apply forms on a dataset, "my requests", a department's queue, the
request page with its forms, the printable written reply, and the data authority's overview.
Every decision about who may see or do what is the actions'; pages only choose what to offer.
"""
from __future__ import annotations

import datetime
from typing import Any

from flask import Blueprint, request

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.requests import rules as workflow
from ckanext.govopen.translations import _
from ckanext.govopen.requests import store
from ckanext.govopen.deadlines import sla
from ckanext.govopen.model import Request
from ckanext.govopen.views.common import PAGE_SIZE, login_first
from ckanext.govopen.views.common import page_number as _page_number, pager as _pager

__all__ = ["govopen"]

govopen = Blueprint("govopen", __name__)



@govopen.route("/ckan-admin/govopen/policy")
def policy():
    try:
        data = tk.get_action("govopen_policy_show")({}, {})
    except tk.NotAuthorized:
        return tk.abort(403, _('Only sysadmins can see the deadline policy'))
    return tk.render("govopen/admin/policy.html", {"policy": data})


# --- helpers of the desk pages ------------------------------------------------------------

def _user() -> model.User:
    return model.User.get(tk.current_user.id)


def _errors(e: tk.ValidationError) -> dict[str, list[str]]:
    return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in (e.error_dict or {}).items()}


# --- applying from the dataset page -------------------------------------------------------

_FORM_FIELDS = ("applicant_type", "applicant_name", "credit_code", "id_number", "purpose", "scenario",
                "usage_type", "security_measures", "requested_until", "objection_type", "details",
                "applicant_org")


@govopen.route("/dataset/<id>/request/<kind>", methods=["GET", "POST"])
def request_new(id: str, kind: str):
    if (redirect := login_first()) is not None:
        return redirect
    try:
        pkg = tk.get_action("package_show")({}, {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, _('Dataset not found'))
    if kind not in tk.h.govopen_request_kinds_offered(pkg):
        return tk.abort(404, _('This dataset takes no request of this kind'))
    user = _user()
    departments = [{"id": o, "title": tk.h.govopen_org_title(o)}
                   for o in store.share_departments(user) if o != pkg["owner_org"]]
    data: dict[str, Any] = {"applicant_name": user.fullname or "", "resource_ids": [r["id"] for r in pkg["resources"]]}
    if kind == "share_application":
        data.update(applicant_type="department", applicant_name=departments[0]["title"] if departments else "",
                    applicant_org=departments[0]["id"] if departments else "")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {k: request.form.get(k, "").strip() for k in _FORM_FIELDS}
        data["resource_ids"] = request.form.getlist("resource_ids")
        data["written_reply"] = bool(request.form.get("written_reply"))
        data["public_interest_undertaking"] = bool(request.form.get("public_interest_undertaking"))
        if kind == "share_application":
            data["applicant_type"] = "department"
        try:
            created = tk.get_action("govopen_request_create")({}, {
                **{k: v for k, v in data.items() if v not in ("", [])}, "dataset_id": pkg["id"], "kind": kind})
        except tk.ValidationError as e:
            errors = _errors(e)
        else:
            if created.get("forwarded"):
                tk.h.flash_success(_('Your request will be forwarded to the origin portal, which answers it. Follow it here.'))
                return tk.redirect_to(tk.url_for("govopen_cascade.forward_read", id=created["id"]))
            tk.h.flash_success(_('Your request has been submitted. Note the answer due date.'))
            return tk.redirect_to(tk.url_for("govopen.request_read", id=created["id"]))
    rule = sla.active_policy().rule(kind)
    accept_by, due = store.initial_deadlines(rule, store.today())
    deadline = tk.get_action("govopen_deadline")({}, {"kind": kind, "start": store.today().isoformat()})
    return tk.render("govopen/request/new.html", {
        "pkg": pkg, "pkg_dict": pkg, "kind": kind, "data": data, "errors": errors, "departments": departments,
        "deadline": {**deadline, "due": due.isoformat(), "accept_by": accept_by.isoformat()},
        # Research use limited to the public interest (Nanjing 27): the applicant's undertaking.
        "undertaking": kind == "open_application" and rule.research_public_interest_only,
    }), 400 if errors else 200


# --- lists --------------------------------------------------------------------------------

@govopen.route("/requests")
def my_requests():
    if (redirect := login_first()) is not None:
        return redirect
    page = _page_number()
    result = tk.get_action("govopen_request_list")({}, {
        "mine": True, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    member_of = store.memberships(_user())
    held = [g for g in tk.get_action("govopen_grant_list")({}, {"include_inactive": True})["results"]
            if (g["holder_type"] == "user" and g["holder_id"] == tk.current_user.id)
            or (g["holder_type"] == "department" and g["holder_id"] in member_of)]
    # Applications for copies, answered at their origin (the newest 100: each is a row here).
    forwarded = tk.get_action("govopen_forward_list")({}, {"limit": 100})
    return tk.render("govopen/request/mine.html", {
        "requests": result["results"], "pager": _pager(result["count"], page), "grants": _with_datasets(held),
        "forwarded": forwarded["results"], "forwarded_count": forwarded["count"]})


def _with_datasets(grants: list[dict]) -> list[dict]:
    """Grants with their dataset's name and title, and the resources' names (one query each)."""
    pkgs = {p.id: p for p in model.Session.query(model.Package).filter(
        model.Package.id.in_({g["dataset_id"] for g in grants} or {""}))}
    resources = {r.id: r for r in model.Session.query(model.Resource).filter(
        model.Resource.id.in_({r for g in grants for r in g["resource_ids"]} or {""}))}
    now = datetime.datetime.now(datetime.timezone.utc)
    out = []
    for g in grants:
        pkg = pkgs.get(g["dataset_id"])
        out.append({**g, "dataset_name": pkg.name if pkg else None, "dataset_title": pkg.title if pkg else "",
                    "resource_names": [resources[r].name or r for r in g["resource_ids"] if r in resources],
                    "active": not g["revoked"] and datetime.datetime.fromisoformat(g["ends_at"]) > now})
    return out


def _queue_departments(user: model.User) -> tuple[list[dict], bool]:
    """The departments whose queue the user may open, and whether they may see all of them."""
    member_of = store.memberships(user)
    everything = bool(user.sysadmin or store.authority_org_ids() & set(member_of))
    q = model.Session.query(model.Group).filter(model.Group.is_organization.is_(True), model.Group.state == "active")
    if not everything:
        q = q.filter(model.Group.id.in_(list(member_of) or [""]))
    return [{"id": g.id, "name": g.name, "title": g.display_name} for g in q.order_by(model.Group.title)], everything


@govopen.route("/requests/queue")
def queue():
    if (redirect := login_first()) is not None:
        return redirect
    departments, everything = _queue_departments(_user())
    if not departments:
        return tk.abort(403, _('The queue is for department staff'))
    chosen = request.args.get("organization", "")
    org = next((d for d in departments if chosen in (d["id"], d["name"])), None)
    if org is None and not everything:
        org = departments[0]
    filters = {k: request.args.get(k, "") for k in ("kind", "status")}
    filters = {k: v for k, v in filters.items() if v in (*workflow.STATUSES, *workflow.DECISIONS)}
    overdue = request.args.get("overdue") == "1"
    page = _page_number()
    data = {**filters, "overdue": overdue, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    if org:
        data["organization_id"] = org["id"]
    else:  # all departments: only requests made to them, not the user's own
        data["to_departments"] = True
    result = tk.get_action("govopen_request_list")({}, data)
    grants = []
    if request.args.get("tab") == "grants" and org:
        grants = _with_datasets(tk.get_action("govopen_grant_list")({}, {
            "organization_id": org["id"], "include_inactive": True})["results"])
    return tk.render("govopen/request/queue.html", {
        "requests": result["results"], "departments": departments, "org": org, "everything": everything,
        "filters": filters, "overdue": overdue, "tab": request.args.get("tab", "requests"), "grants": grants,
        "pager": _pager(result["count"], page, organization=org["name"] if org else None, overdue="1" if overdue else None,
                        **filters),
        "kinds": list(workflow.DECISIONS), "statuses": workflow.STATUSES,
    })


@govopen.route("/requests/overview")
def overview():
    if (redirect := login_first()) is not None:
        return redirect
    try:
        stats = tk.get_action("govopen_request_overview")({}, {})
    except tk.NotAuthorized:
        return tk.abort(403, _('Only the data authority sees the overview'))
    page = _page_number()
    late = tk.get_action("govopen_request_list")({}, {
        "overdue": True, "to_departments": True, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    deemed = tk.get_action("govopen_request_list")({}, {"status": "deemed_approved", "limit": 10})
    return tk.render("govopen/request/overview.html", {
        "stats": stats, "late": late["results"], "pager": _pager(late["count"], page), "deemed": deemed})


# --- one request --------------------------------------------------------------------------

_ACTIONS = {"accept": "govopen_request_accept", "ask_info": "govopen_request_ask_info",
            "respond": "govopen_request_respond", "decide": "govopen_request_decide",
            "withdraw": "govopen_request_withdraw",
            "suspend": "govopen_request_suspend", "lift": "govopen_request_suspend"}
_ACTION_FIELDS = ("note", "decision", "reason", "legal_basis", "conditions", "expires")


def _show(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("govopen_request_show")({}, {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):  # no such id, or not an id at all
        return tk.abort(404, _('Request not found'))


def _viewer(req: dict[str, Any]) -> tuple[set[str], list[str]]:
    """The viewer's roles towards the request and the actions its page offers them."""
    row = model.Session.get(Request, req["id"])
    roles = store.roles_for(_user(), row)
    steps = sla.policy_named(row.policy).rule(row.kind).approval_steps
    return roles, [*workflow.available_actions(row.kind, row.status, roles, any(s != "department" for s in steps)),
                   *workflow.privacy_actions(row.kind, row.status, (row.applicant or {}).get("objection_type"),
                                             row.suspended is not None, row.review_due is not None, roles)]


def _render_request(req: dict[str, Any], form: dict[str, Any] | None = None, errors: dict | None = None,
                    failed_action: str | None = None, status: int = 200):
    roles, actions = _viewer(req)
    grants = [g for g in tk.get_action("govopen_grant_list")({}, {"dataset_id": req["dataset_id"],
                                                                   "include_inactive": True})["results"]
              if g["request_id"] == req["id"]]
    resources = {r.id: r for r in model.Session.query(model.Resource).filter(
        model.Resource.id.in_(req["resource_ids"] or [""]))}
    rule = sla.policy_named(req["policy"]).rule(req["kind"])
    body = tk.render("govopen/request/read.html", {
        "req": req, "roles": roles, "actions": actions, "grants": _with_datasets(grants), "resources": resources,
        "form": form or {}, "errors": errors or {}, "failed_action": failed_action,
        "staff_view": bool(roles & {"decider", "authority", "sysadmin", "owner_member"}),
        "max_expires": (store.today() + datetime.timedelta(days=rule.max_grant_days)).isoformat()
        if rule.max_grant_days else "",
    })
    return body, status


@govopen.route("/requests/<id>")
def request_read(id: str):
    if (redirect := login_first()) is not None:
        return redirect
    return _render_request(_show(id))


@govopen.route("/requests/<id>/<action>", methods=["POST"])
def request_act(id: str, action: str):
    if (redirect := login_first()) is not None:
        return redirect
    if action not in _ACTIONS:
        return tk.abort(404)
    req = _show(id)
    form = {k: request.form.get(k, "").strip() for k in _ACTION_FIELDS}
    data = {k: v for k, v in form.items() if v}
    if action == "decide":
        data["resource_ids"] = request.form.getlist("resource_ids")
        form["resource_ids"] = data["resource_ids"]
    if action in ("suspend", "lift"):
        data["suspend"] = action == "suspend"
    try:
        tk.get_action(_ACTIONS[action])({}, {**data, "id": id})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or _('You may not do this'))
    except tk.ValidationError as e:
        return _render_request(req, form, _errors(e), action, 400)
    done = {"accept": _("Accepted."), "ask_info": _("The applicant has been asked for information."),
            "respond": _("Your information has been sent."), "decide": _("The decision has been made."),
            "withdraw": _("The request has been withdrawn."),
            "suspend": _("The resources are suspended."),
            "lift": _("The resources stay available.")}[action]
    tk.h.flash_success(done)
    return tk.redirect_to(tk.url_for("govopen.request_read", id=id))


@govopen.route("/requests/<id>/letter")
def request_letter(id: str):
    if (redirect := login_first()) is not None:
        return redirect
    req = _show(id)
    if req["status"] not in workflow.END_STATUSES or req["status"] == "withdrawn":
        return tk.abort(404, _('No decision yet, so no written reply'))
    resources = {r.id: r.name for r in model.Session.query(model.Resource).filter(
        model.Resource.id.in_((req["decision"].get("resource_ids") or req["resource_ids"]) or [""]))}
    return tk.render("govopen/request/letter.html", {
        "req": req, "resources": resources, "department": tk.h.govopen_org_title(req["organization_id"]),
        "letter": {k: tk.config[f"ckanext.govopen.letter.{k}"] for k in ("reconsideration", "litigation")},
        "citation": sla.policy_named(req["policy"]).rule(req["kind"]).citation,
    })
