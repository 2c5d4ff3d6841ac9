"""The request workflow's actions: applications, share requests, objections, corrections,
and the grants approvals create. Each: check access, validate, act, commit once."""
from __future__ import annotations

import datetime
import functools
from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.requests import notifications
from ckanext.govopen.security import audit
from ckanext.govopen.translations import _
from ckanext.govopen.requests import store
from ckanext.govopen.requests import rules as workflow
from ckanext.govopen.deadlines import sla
from ckanext.govopen.logic import schema
from ckanext.govopen.logic.validators import problem_text
from ckanext.govopen.model import Forward, Grant, Request, utcnow
from ckanext.govopen.sync import forward
from ckanext.govopen.text import N_

__all__ = ["govopen_request_create", "govopen_request_show", "govopen_request_list",
           "govopen_request_accept", "govopen_request_ask_info", "govopen_request_respond",
           "govopen_request_decide", "govopen_request_withdraw", "govopen_request_suspend", "govopen_grant_list",
           "govopen_grant_revoke"]


def _dataset_id_alias(action):
    """govopen's API names a dataset `dataset_id` everywhere (requests, grants); `package_id`, as
    CKAN calls it, is taken as an alias on input."""

    @functools.wraps(action)
    def wrapper(context, data_dict):
        data_dict = dict(data_dict or {})
        if "package_id" in data_dict:
            alias = data_dict.pop("package_id")
            if data_dict.get("dataset_id") in (None, ""):
                data_dict["dataset_id"] = alias
        return action(context, data_dict)

    return wrapper


def _user(context) -> model.User | None:
    return model.User.get(context.get("user")) if context.get("user") else None


def _raise_problems(problems) -> None:
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.field, []).append(problem_text(p))
    if errors:
        raise tk.ValidationError(errors)


def _sees_everything(user: model.User, member_of: dict[str, str], authority: set[str]) -> bool:
    """Sysadmins and the data authority, which supervises every request."""
    return bool(user.sysadmin or authority & set(member_of))


def _load(context, request_id: str, for_update: bool = False) -> tuple[Request, set[str]]:
    """The request and the user's roles towards it; not-found for anyone with no role, so
    that ids cannot be probed."""
    req = Request.get_for_update(request_id) if for_update else model.Session.get(Request, request_id)
    user = _user(context)
    roles = store.roles_for(user, req) if req is not None else set()
    if req is None or not workflow.may_view(roles):
        raise tk.ObjectNotFound(_('Request not found'))
    return req, roles


def _transition(context, data_dict, action: str, decision: str | None = None) -> tuple[Request, set[str], str]:
    req, roles = _load(context, data_dict["id"], for_update=True)
    # The authority may decide where the policy gives it a step; which step is checked later.
    steps = sla.policy_named(req.policy).rule(req.kind).approval_steps
    if not workflow.may_act(action, roles, req.kind, two_step=any(s != "department" for s in steps)):
        raise tk.NotAuthorized(_('You may not do this to this request'))
    try:
        to_status = workflow.next_status(req.kind, req.status, action, decision)
    except workflow.TransitionError as e:
        raise tk.ValidationError({"status": [problem_text(e.problem)]})
    return req, roles, to_status


def _commit_and_show(context, req: Request, roles: set[str]) -> dict[str, Any]:
    if not context.get("defer_commit"):
        model.repo.commit()
        notifications.dispatch()
        if store.is_privacy_objection(req):
            # Opening or closing a privacy objection changes who may have the resources:
            # re-index so the search index holds exactly the URLs everyone may have.
            from ckan.lib import search

            search.rebuild(req.package_id)
    return store.request_dict(req, roles)


@_dataset_id_alias
@tk.validate(schema.govopen_request_create)
def govopen_request_create(context, data_dict) -> dict[str, Any]:
    """Apply for data, request to share, object to or report an error in a dataset.

    :param dataset_id: the dataset's id or name
    :param kind: open_application, share_application, objection or correction
    :param resource_ids: the resources asked for (optional, default: all)
    :param applicant_type: person, company, institution or department
    :param applicant_name: :param credit_code: (company, institution) :param id_number: (person)
    :param purpose: :param scenario: :param usage_type: research, commercial, public_interest or other
    :param security_measures: :param requested_until: ISO date :param written_reply: bool
    :param public_interest_undertaking: bool, the applicant's undertaking that research use serves the
        public interest (required for research use where the policy limits it so, as Nanjing 27 does)
    :param objection_type: error, privacy or trade_secret (objections) :param details: (objections, corrections)
    :param applicant_org: the applying department (share applications; default: the user's only one)
    :returns: the request, with its due date from the portal's deadline policy
    """
    tk.check_access("govopen_request_create", context, data_dict)
    user = _user(context)
    pkg = model.Package.get(data_dict["dataset_id"])
    if pkg is None or pkg.state != "active":
        raise tk.ValidationError({"dataset_id": [_('No such dataset')]})
    kind = data_dict["kind"]
    extras = pkg.extras or {}
    copy = bool(extras.get("origin_dataset_id"))
    if copy and kind not in workflow.APPLICATIONS:
        # A harvested copy: the department that holds the data answers objections and error
        # reports on its own portal (applications are forwarded to it, below).
        raise tk.ValidationError({"dataset_id": [
            _('This entry is a copy from {origin}: object or report errors there').format(
                origin=extras.get("origin_url") or extras.get("origin_portal"))]})
    today = store.today()
    policy = sla.active_policy()
    rule = policy.rule(kind)
    _raise_problems(workflow.application_problems(
        kind, data_dict, today, (extras.get("open_category"), extras.get("share_category")),
        rule.research_public_interest_only))
    applicant_org = None
    forwarded_from = context.get("govopen_forwarded_from")  # set by sync.forward only (not from the API)
    if kind == "share_application" and not forwarded_from:
        orgs = store.share_departments(user)
        applicant_org = data_dict.get("applicant_org") or (orgs[0] if len(orgs) == 1 else None)
        if applicant_org not in orgs or applicant_org == pkg.owner_org:
            raise tk.ValidationError({"applicant_org": [_('Choose your own department, other than the provider')]})
    # A share request forwarded by another portal names its department (applicant_name); the
    # grant goes to that portal, which delivers to the department's members (sync.forward).

    if copy:
        # Applied for here, answered at the origin: forwarded (ckan govopen forward), followed here.
        _check_daily_limit(user, Forward)
        applicant = {k: data_dict[k] for k in workflow.APPLICANT_FIELDS if data_dict.get(k) not in (None, "", False)}
        if applicant_org:
            applicant["applicant_org"] = applicant_org
        fwd = forward.queue(user, pkg, kind, applicant)
        model.repo.commit()
        return forward.forward_dict(fwd, see_identifiers=True)

    resource_ids = [r.id for r in pkg.resources]
    wanted = data_dict.get("resource_ids") or resource_ids
    unknown = [r for r in wanted if r not in resource_ids]
    if unknown:
        raise tk.ValidationError({"resource_ids": [_('Not resources of this dataset: ') + ", ".join(unknown)]})

    if not forwarded_from:  # the portal that forwarded it applied its own limit
        _check_daily_limit(user, Request)

    trusted = bool(user.sysadmin or store.share_departments(user))
    privacy = kind == "objection" and data_dict.get("objection_type") == "privacy" \
        and tk.config["ckanext.govopen.objections.privacy_hides_resources"]
    if privacy and not trusted:
        _check_privacy_limit(user)

    applicant = {k: data_dict[k] for k in workflow.APPLICANT_FIELDS if data_dict.get(k) not in (None, "", False)}
    if applicant.get("requested_until") is not None:
        # Stored normalised: the sweep casts it in SQL (application_problems has checked it).
        applicant["requested_until"] = workflow.parse_date(applicant["requested_until"]).isoformat()
    if forwarded_from:
        applicant["forwarded_from"] = dict(forwarded_from)
    req = Request(kind=kind, status="submitted", package_id=pkg.id, owner_org=pkg.owner_org,
                  resource_ids=sorted(wanted), user_id=user.id, applicant_org=applicant_org,
                  applicant=applicant, policy=policy.name)
    model.Session.add(req)
    model.Session.flush()
    event = store.record(req, "create", user.id, "submitted", from_status=None)
    req.accept_due, req.due = store.initial_deadlines(rule, today)
    if privacy and trusted:
        # Government staff and sysadmins answer for what they file: the resources are
        # suspended at once, as the regulation protects data subjects.
        store.set_suspension(req, True, user.id, N_("Filed by government staff: suspended at once"))
    elif privacy:
        # Anyone may sign up: the department decides within the marking deadline whether the
        # objection suspends the resources; silence suspends them (the sweep).
        req.review_due = store.privacy_review_due(rule, today)
    notifications.queue_for(req, "submitted", event, user.id)
    roles = store.roles_for(user, req)
    return _commit_and_show(context, req, roles)


def _check_daily_limit(user: model.User, table) -> None:
    limit = tk.config["ckanext.govopen.requests.daily_limit"]
    since = utcnow() - datetime.timedelta(days=1)
    recent = model.Session.query(table).filter(table.user_id == user.id, table.created > since).count()
    if limit and recent >= limit and not user.sysadmin:
        raise tk.ValidationError({"kind": [_('At most {limit} requests a day: try again later').format(limit=limit)]})


def _check_privacy_limit(user: model.User) -> None:
    limit = tk.config["ckanext.govopen.objections.privacy_open_per_user"]
    open_now = model.Session.query(Request).filter(
        Request.user_id == user.id, Request.kind == "objection", Request.status.in_(workflow.OPEN_STATUSES),
        Request.applicant["objection_type"].astext == "privacy").count()
    if limit and open_now >= limit:
        raise tk.ValidationError({"objection_type": [_('You have {open_now} privacy objections being handled: file another once they are decided').format(open_now=open_now)]})


@tk.side_effect_free
@tk.validate(schema.govopen_request_id)
def govopen_request_show(context, data_dict) -> dict[str, Any]:
    """One request with its events, identifiers masked for all but deciders and the data authority.

    :param id: the request's id
    """
    tk.check_access("govopen_request_show", context, data_dict)
    req, roles = _load(context, data_dict["id"])
    out = store.request_dict(req, roles)
    if workflow.identifier_viewed(req.applicant or {}, roles):
        audit.record("identifier_viewed", user_id=_user(context).id, subject=req.id,
                     details={"requests": [out["number"]]})
    return out


@tk.side_effect_free
@_dataset_id_alias
@tk.validate(schema.govopen_request_list)
def govopen_request_list(context, data_dict) -> dict[str, Any]:
    """Requests the user may see, sorted by due date (soonest first), paginated.

    :param kind: :param status: :param dataset_id: :param organization_id: (filters, optional)
    :param mine: only the user's own requests (bool)
    :param to_departments: only requests made to the user's departments (bool)
    :param overdue: only open requests past their due date (bool)
    :param limit: page size (default 20, at most 100) :param offset:
    :returns: ``count`` and ``results`` (requests without events)
    """
    tk.check_access("govopen_request_list", context, data_dict)
    user = _user(context)
    member_of = store.memberships(user)
    authority = store.authority_org_ids()
    q = model.Session.query(Request)
    if not _sees_everything(user, member_of, authority):
        visible = [Request.user_id == user.id]
        if member_of:
            visible += [Request.owner_org.in_(list(member_of)), Request.applicant_org.in_(list(member_of))]
        q = q.filter(sa.or_(*visible))
    if data_dict.get("mine"):
        q = q.filter(Request.user_id == user.id)
    if data_dict.get("to_departments"):
        # A queue: requests made to the user's departments (all of them, for the authority).
        if not _sees_everything(user, member_of, authority):
            q = q.filter(Request.owner_org.in_(list(member_of) or [""]))
    for key, column in (("kind", Request.kind), ("status", Request.status),
                        ("organization_id", Request.owner_org)):
        if data_dict.get(key):
            q = q.filter(column == data_dict[key])
    if data_dict.get("dataset_id"):
        pkg = model.Package.get(data_dict["dataset_id"])
        q = q.filter(Request.package_id == (pkg.id if pkg else data_dict["dataset_id"]))
    if data_dict.get("overdue"):
        q = q.filter(Request.status.in_(workflow.OPEN_STATUSES), Request.due < store.today())
    count = q.count()
    rows = (q.order_by(Request.due.asc().nullslast(), Request.created.asc())
            .limit(data_dict.get("limit", 20)).offset(data_dict.get("offset", 0)).all())
    # Set-based: one query for the page's datasets; memberships and the authority from above.
    packages = {p.id: p for p in model.Session.query(model.Package)
                .filter(model.Package.id.in_({r.package_id for r in rows}))}
    results, viewed = [], []
    for r in rows:
        roles = store.roles_for(user, r, member_of, authority)
        results.append(store.request_dict(r, roles, with_events=False, package=packages.get(r.package_id)))
        if workflow.identifier_viewed(r.applicant or {}, roles):
            viewed.append(results[-1]["number"])
    if viewed:  # one event for the page: which requests' identifiers it showed
        audit.record("identifier_viewed", user_id=user.id, subject=None, details={"requests": viewed})
    return {"count": count, "results": results}


@tk.validate(schema.govopen_request_note)
def govopen_request_accept(context, data_dict) -> dict[str, Any]:
    """The department accepts a complete request; the answer clock starts (per policy).

    :param id: :param note: (optional)
    """
    tk.check_access("govopen_request_accept", context, data_dict)
    req, roles, to_status = _transition(context, data_dict, "accept")
    event = store.record(req, "accept", _user(context).id, to_status, data_dict.get("note"))
    rule = sla.policy_named(req.policy).rule(req.kind)
    if rule.clock_start == "acceptance":
        req.due = store.deadline_of(req).due
    notifications.queue_for(req, "accepted", event, event.actor_id)
    return _commit_and_show(context, req, roles)


@tk.validate(schema.govopen_request_note_required)
def govopen_request_ask_info(context, data_dict) -> dict[str, Any]:
    """Ask the applicant for more information; the clock pauses if the policy says so.

    :param id: :param note: what is missing
    """
    tk.check_access("govopen_request_ask_info", context, data_dict)
    req, roles, to_status = _transition(context, data_dict, "ask_info")
    event = store.record(req, "ask_info", _user(context).id, to_status, data_dict["note"])
    req.pauses = [*(req.pauses or []), [store.today().isoformat(), None]]
    notifications.queue_for(req, "info_requested", event, event.actor_id)
    return _commit_and_show(context, req, roles)


@tk.validate(schema.govopen_request_note_required)
def govopen_request_respond(context, data_dict) -> dict[str, Any]:
    """The applicant answers a request for information; the clock resumes.

    :param id: :param note: the answer
    """
    tk.check_access("govopen_request_respond", context, data_dict)
    req, roles, to_status = _transition(context, data_dict, "respond")
    event = store.record(req, "respond", _user(context).id, to_status, data_dict["note"])
    pauses = [list(p) for p in (req.pauses or [])]
    if pauses and pauses[-1][1] is None:
        pauses[-1][1] = store.today().isoformat()
    req.pauses = pauses
    req.due = store.deadline_of(req).due
    notifications.queue_for(req, "resubmitted", event, event.actor_id)
    return _commit_and_show(context, req, roles)


@tk.validate(schema.govopen_request_decide)
def govopen_request_decide(context, data_dict) -> dict[str, Any]:
    """Decide: approve or reject (applications), uphold or dismiss (objections, corrections).
    Where the policy has several approval steps (Nanjing 22), each call takes the next step,
    by someone entitled to it and not the person who took the previous one; only the last
    step's decision ends the request.

    :param id: :param decision: approve | reject | uphold | dismiss
    :param reason: (required to reject or dismiss) :param legal_basis: (required to reject)
    :param resource_ids: granted resources (default: those requested) :param conditions:
    :param expires: ISO date, at most the policy's longest grant period from today
    An approval of research use the applicant undertook to keep to public-interest research
    records that undertaking in the grant's conditions (and ``decision.undertaking``).
    """
    tk.check_access("govopen_request_decide", context, data_dict)
    req, roles, to_status = _transition(context, data_dict, "decide", data_dict["decision"])
    user = _user(context)
    rule = sla.policy_named(req.policy).rule(req.kind)
    today = store.today()
    done = list((req.decision or {}).get("steps") or [])
    step, last = workflow.current_step(rule.approval_steps, done)
    _raise_problems(workflow.step_problems(step, roles, user.id, done))
    usage = (req.applicant or {}).get("usage_type")
    if last:
        _raise_problems(workflow.decision_problems(req.kind, data_dict, list(req.resource_ids or []),
                                                   rule.max_grant_days, today))
    elif data_dict["decision"] in ("reject", "dismiss") and not data_dict.get("reason"):
        _raise_problems([workflow.Problem("reason", workflow.REQUIRED)])
    opinion = {k: data_dict[k] for k in ("decision", "reason", "legal_basis", "conditions")
               if data_dict.get(k)}
    steps = [*done, {"step": step, "by": user.id, "on": today.isoformat(), **opinion}]
    if not last:
        # An opinion, not yet the decision: the request is (now) accepted and waits for the next step.
        req.decision = {"steps": steps}
        event = store.record(req, "decide_step", user.id, "accepted" if req.status == "submitted" else req.status,
                             f"{step}: {data_dict['decision']}" + (f" — {data_dict['reason']}" if data_dict.get("reason") else ""))
        notifications.queue_for(req, "step_decided", event, user.id)
        return _commit_and_show(context, req, roles)
    decision = dict(opinion)
    if to_status == "approved":
        granted = data_dict.get("resource_ids") or list(req.resource_ids or [])
        expires = data_dict["expires"]
        expires = expires if isinstance(expires, datetime.date) else datetime.date.fromisoformat(expires)
        conditions = data_dict.get("conditions")
        if workflow.undertook_public_interest(req.applicant or {}):
            conditions = store.with_undertaking(conditions, rule)
            decision.update(undertaking="public_interest_research")
        grant = store.grant_for(req, granted, expires, conditions)
        decision.update(resource_ids=sorted(granted), expires=expires.isoformat(), grant_id=grant.id,
                        licensing_required=workflow.licensing_required(usage))
    decision.update(decided_by=user.id, decided_on=today.isoformat(), steps=steps)
    req.decision = decision
    event = store.record(req, "decide", user.id, to_status, data_dict.get("reason"))
    notifications.queue_for(req, "decided", event, user.id)
    out = _commit_and_show(context, req, roles)
    if to_status == "approved":
        _audit_grant("grant_created", user.id, grant, req)
    return out


def _audit_grant(kind: str, actor_id: str | None, grant: Grant, req: Request) -> None:
    """Grants given and taken back, in the security log (after the commit: only what happened)."""
    audit.record(kind, user_id=actor_id, subject=grant.holder_id if grant.holder_type == "user" else None,
                 details={"grant_id": grant.id, "request_id": req.id, "dataset_id": grant.package_id,
                          "resources": len(grant.resource_ids or []), "holder_type": grant.holder_type,
                          "holder_id": grant.holder_id, "expires": grant.as_dict()["expires"]})


@tk.validate(schema.govopen_request_note)
def govopen_request_withdraw(context, data_dict) -> dict[str, Any]:
    """The applicant withdraws an open request.

    :param id: :param note: (optional)
    """
    tk.check_access("govopen_request_withdraw", context, data_dict)
    req, roles, to_status = _transition(context, data_dict, "withdraw")
    event = store.record(req, "withdraw", _user(context).id, to_status, data_dict.get("note"))
    notifications.queue_for(req, "withdrawn", event, event.actor_id)
    return _commit_and_show(context, req, roles)


@tk.validate(schema.govopen_request_suspend)
def govopen_request_suspend(context, data_dict) -> dict[str, Any]:
    """Decide whether an open privacy objection suspends its dataset's resources until the
    objection is decided (Nanjing 35): suspend them, or keep them available. The providing
    department's deciders, the data authority and sysadmins; answers the pending review.

    :param id: the objection's id
    :param suspend: true to suspend the resources, false to keep (or make) them available
    :type suspend: bool
    :param note: why (optional, shown in the request's timeline)
    """
    tk.check_access("govopen_request_suspend", context, data_dict)
    req, roles = _load(context, data_dict["id"], for_update=True)
    allowed = workflow.privacy_actions(req.kind, req.status, (req.applicant or {}).get("objection_type"),
                                       req.suspended is not None, req.review_due is not None, roles)
    wanted = "suspend" if data_dict["suspend"] else "lift"
    if not set(roles) & workflow.PRIVACY_REVIEWERS:
        raise tk.NotAuthorized(_('You may not do this to this request'))
    if wanted not in allowed:
        raise tk.ValidationError({"suspend": [_('This cannot be done to this objection now')]})
    store.set_suspension(req, data_dict["suspend"], _user(context).id, data_dict.get("note"))
    return _commit_and_show(context, req, roles)


@tk.side_effect_free
@_dataset_id_alias
@tk.validate(schema.govopen_grant_list)
def govopen_grant_list(context, data_dict) -> dict[str, Any]:
    """Grants the user holds (personally or through a department), or, for deciders, those on
    their department's datasets.

    :param dataset_id: (optional) :param organization_id: the providing department (optional)
    :param include_inactive: expired and revoked too (bool)
    """
    tk.check_access("govopen_grant_list", context, data_dict)
    user = _user(context)
    member_of = store.memberships(user)
    q = model.Session.query(Grant).join(Request, Request.id == Grant.request_id)
    if not _sees_everything(user, member_of, store.authority_org_ids()):
        deciding = [o for o, cap in member_of.items() if cap in ("admin", "editor")]
        q = q.filter(sa.or_(sa.and_(Grant.holder_type == "user", Grant.holder_id == user.id),
                            sa.and_(Grant.holder_type == "department", Grant.holder_id.in_(list(member_of) or [""])),
                            Request.owner_org.in_(deciding or [""])))
    if data_dict.get("dataset_id"):
        pkg = model.Package.get(data_dict["dataset_id"])
        q = q.filter(Grant.package_id == (pkg.id if pkg else data_dict["dataset_id"]))
    if data_dict.get("organization_id"):
        q = q.filter(Request.owner_org == data_dict["organization_id"])
    if not data_dict.get("include_inactive"):
        q = q.filter(Grant.revoked.is_(None), Grant.expires > utcnow())
    grants = q.order_by(Grant.expires.asc()).all()
    return {"count": len(grants), "results": [g.as_dict() for g in grants]}


@tk.validate(schema.govopen_grant_revoke)
def govopen_grant_revoke(context, data_dict) -> dict[str, Any]:
    """Revoke a grant at once (the owning department's deciders, the data authority, sysadmins).

    :param id: the grant's id :param reason:
    """
    tk.check_access("govopen_grant_revoke", context, data_dict)
    grant = model.Session.query(Grant).filter(Grant.id == data_dict["id"]).with_for_update().one_or_none()
    user = _user(context)
    req = model.Session.get(Request, grant.request_id) if grant else None
    roles = store.roles_for(user, req) if req else set()
    if grant is None or not roles & {"decider", "authority", "sysadmin"}:
        raise tk.ObjectNotFound(_('Grant not found'))
    if grant.revoked is None:
        grant.revoked = utcnow()
        grant.revoked_by = user.id
        event = store.record(req, "revoke_grant", user.id, req.status, data_dict["reason"])
        notifications.queue_for(req, "grant_revoked", event, user.id)
        revoked = True
    else:
        revoked = False
    if not context.get("defer_commit"):
        model.repo.commit()
        notifications.dispatch()
    if revoked:
        _audit_grant("grant_revoked", user.id, grant, req)
    return grant.as_dict()
