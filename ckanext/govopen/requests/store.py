"""Requests in the database: roles of a user towards a request, state changes with their
append-only events, grants, and the request as the API returns it. The rules themselves
(which transition, which fields, what is masked) are the pure `requests.rules` module's."""
from __future__ import annotations

import datetime
import uuid
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen import deadlines as dl
from ckanext.govopen import translations
from ckanext.govopen.requests import rules as workflow
from ckanext.govopen.deadlines import sla
from ckanext.govopen.model import Grant, Request, RequestEvent, user_departments, user_memberships, utcnow
from ckanext.govopen.times import api_time

__all__ = ["beijing_day", "is_privacy_objection", "privacy_review_due", "set_suspension",
           "memberships", "share_departments", "roles_for", "record", "request_dict", "grant_for", "today",
           "authority_org_ids", "deadline_of", "initial_deadlines", "deem_approve", "purge_identifiers"]



def today() -> datetime.date:
    """Today in Asia/Shanghai: deadlines are counted in China's days."""
    return datetime.datetime.now(dl.SHANGHAI).date()


def beijing_day(column):
    """SQL: the Beijing-time day of a naive-UTC timestamp column (when a request closed, say),
    to compare with the due dates, which are Beijing days."""
    return sa.cast(sa.func.timezone("Asia/Shanghai", sa.func.timezone("UTC", column)), sa.Date)


def memberships(user: model.User | None) -> dict[str, str]:
    """{organization id: capacity} of the user's active memberships."""
    return user_memberships(user.id) if user is not None else {}


def share_departments(user: model.User | None) -> list[str]:
    """The user's departments that may request shared data: government departments only
    (ckanext.govopen.share.government_types), whatever the user's capacity in them."""
    if user is None:
        return []
    member_of, government = user_departments(user.id)
    return [o for o in member_of if o in government]


def authority_org_ids() -> set[str]:
    q = model.Session.query(model.Group.id).filter(
        model.Group.is_organization.is_(True), model.Group.state == "active",
        model.Group.extras["department_type"].astext == "data_authority")
    return {r[0] for r in q}


def roles_for(user: model.User | None, req: Request, member_of: dict[str, str] | None = None,
              authority: set[str] | None = None) -> set[str]:
    """The user's roles towards REQ (empty: may not know it exists). MEMBER_OF and AUTHORITY
    can be passed in when judging many requests at once."""
    if user is None:
        return set()
    member_of = memberships(user) if member_of is None else member_of
    roles = set()
    if user.sysadmin:
        roles.add("sysadmin")
    if req.user_id == user.id:
        roles.add("applicant")
    if req.applicant_org and req.applicant_org in member_of:
        roles.add("applicant_department_member")
    capacity = member_of.get(req.owner_org)
    if capacity in ("admin", "editor"):
        roles.add("decider")
    elif capacity == "member":
        roles.add("owner_member")
    if (authority_org_ids() if authority is None else authority) & set(member_of):
        roles.add("authority")
    return roles


_UNSET = object()


def record(req: Request, action: str, actor_id: str | None, to_status: str, note: str | None = None,
           from_status: Any = _UNSET) -> RequestEvent:
    """Change REQ's status and append the event, in the caller's transaction."""
    event = RequestEvent(request_id=req.id, actor_id=actor_id, action=action,
                         from_status=req.status if from_status is _UNSET else from_status,
                         to_status=to_status, note=note)
    model.Session.add(event)
    req.status = to_status
    req.modified = utcnow()
    if to_status in workflow.END_STATUSES:
        req.closed = utcnow()
    return event


def initial_deadlines(rule: dl.KindPolicy, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(accept by, answer by) for a request filed on DAY. When the clock starts at acceptance,
    the answer is first counted from the acceptance deadline (the latest it can start);
    accepting recounts it from the real day."""
    accept_by = dl.compute_deadline(day, rule.accept_length, rule.accept_unit, sla.calendar()).due
    start = accept_by if rule.clock_start == "acceptance" else day
    return accept_by, dl.compute_deadline(start, rule.length, rule.unit, sla.calendar()).due


def deadline_of(req: Request, policy: dl.Policy | None = None) -> dl.Deadline:
    """The answer deadline under the policy the request was filed under, pauses included."""
    policy = policy or sla.policy_named(req.policy)
    rule = policy.rule(req.kind)
    submitted = _local_date(req.created)
    accepted = next((_local_date(e.created) for e in req.events() if e.to_status == "accepted"), None)
    start = accepted if (rule.clock_start == "acceptance" and accepted) else submitted
    pauses = [(datetime.date.fromisoformat(a), datetime.date.fromisoformat(b))
              for a, b in (req.pauses or []) if b]
    return dl.compute_deadline(start, rule.length, rule.unit, sla.calendar(),
                               pauses if rule.pause_on_info else ())


def _local_date(moment: datetime.datetime) -> datetime.date:
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(dl.SHANGHAI).date()


def with_undertaking(conditions: str | None, rule: dl.KindPolicy) -> str:
    """A grant's CONDITIONS with the applicant's undertaking added: research use for the public
    interest only (Nanjing 27). In the portal's default language, as the conditions are one
    text that the letter, the applicant and the department all read."""
    with translations.in_locale(tk.config["ckan.locale_default"]):
        sentence = translations.gettext(
            "Research use for the public interest only, as the applicant undertook ({citation})."
        ).format(citation=translations.text(rule.citation))
    return f"{conditions}\n{sentence}" if conditions else sentence


def grant_for(req: Request, resource_ids: Iterable[str], expires: datetime.date,
              conditions: str | None) -> Grant:
    """The grant an approval creates: open applications to the applicant, share applications
    to the applying department; a request another portal forwarded, to the user standing for that
    portal (which delivers it: sync.forward). Expires at the end of EXPIRES (Beijing time)."""
    end = dl.deadline_end(expires).astimezone(datetime.timezone.utc).replace(tzinfo=None)
    holder = ("department", req.applicant_org) if req.kind == "share_application" and req.applicant_org \
        else ("user", req.user_id)
    # The id is set here, not at flush: the decision records it before anything is flushed.
    grant = Grant(id=str(uuid.uuid4()), request_id=req.id, package_id=req.package_id, resource_ids=sorted(resource_ids),
                  holder_type=holder[0], holder_id=holder[1], conditions=conditions, expires=end)
    model.Session.add(grant)
    return grant


def request_dict(req: Request, roles: set[str], with_events: bool = True,
                 package: model.Package | None = None) -> dict[str, Any]:
    pkg = package or model.Package.get(req.package_id)
    out = {
        "id": req.id, "number": f"{req.created.year}-{req.number:06d}", "kind": req.kind,
        "status": req.status, "escalated": req.escalated, "due": req.due.isoformat() if req.due else None,
        "accept_due": req.accept_due.isoformat() if req.accept_due else None, "policy": req.policy,
        "dataset_id": req.package_id, "dataset_name": pkg.name if pkg else None,
        "dataset_title": pkg.title if pkg else None, "organization_id": req.owner_org,
        "resource_ids": list(req.resource_ids or []), "user_id": req.user_id,
        "applicant_org": req.applicant_org, **(req.applicant or {}),
        "decision": dict(req.decision or {}), "created": api_time(req.created),
        "modified": api_time(req.modified), "closed": api_time(req.closed),
        "pauses": list(req.pauses or []),
        "suspended": api_time(req.suspended),
        "review_due": req.review_due.isoformat() if req.review_due else None,
    }
    if with_events:
        out["events"] = [{"action": e.action, "from": e.from_status, "to": e.to_status, "note": e.note,
                          "actor_id": e.actor_id, "created": api_time(e.created)} for e in req.events()]
    return workflow.mask_request(out, roles)


def deem_approve(req: Request, on: datetime.date) -> Grant:
    """A share request the department left unanswered past its deadline is approved by law
    (Chaohu 13): the requested resources for the requested period, capped by the policy."""
    rule = sla.policy_named(req.policy).rule(req.kind)
    requested = (req.applicant or {}).get("requested_until")
    expires = workflow.grant_expiry_for_deemed(workflow.parse_date(requested), rule.max_grant_days, on)
    to_status = workflow.next_status(req.kind, req.status, "deem_approve")
    grant = grant_for(req, req.resource_ids or [], expires, None)
    req.decision = {"decision": "deemed_approved", "resource_ids": list(req.resource_ids or []),
                    "expires": expires.isoformat(), "grant_id": grant.id, "decided_on": on.isoformat(),
                    "citation": rule.citation}
    record(req, "deem_approve", None, to_status, rule.citation)
    return grant


def is_privacy_objection(req: Request) -> bool:
    return req.kind == "objection" and (req.applicant or {}).get("objection_type") == "privacy"


def privacy_review_due(rule: dl.KindPolicy, day: datetime.date) -> datetime.date:
    """By when the department decides whether a privacy objection filed on DAY suspends the
    resources: the policy's marking deadline (Nanjing 35: 1 working day)."""
    return dl.compute_deadline(day, rule.mark_disputed_length or 1, rule.mark_disputed_unit, sla.calendar()).due


def set_suspension(req: Request, suspend: bool, actor_id: str | None, note: str | None) -> RequestEvent:
    """Suspend a privacy objection's dataset resources (and scrub the dataset's stored activity),
    or keep them available; either way the review is answered. The caller re-indexes after the
    commit."""
    req.suspended = utcnow() if suspend else None
    req.review_due = None
    event = record(req, "suspend" if suspend else "lift", actor_id, req.status, note)
    if suspend:
        # The dataset is not public while suspended: its stored history must not keep URLs.
        from ckanext.govopen.access import gate

        model.Session.flush()
        gate.scrub_stored_activity([req.package_id])
    return event


def purge_identifiers(closed_before: datetime.datetime) -> int:
    """Remove applicants' identifiers from requests closed before CLOSED_BEFORE, in one
    statement. Returns how many requests were purged."""
    column = sa.type_coerce(Request.applicant, JSONB)  # plain JSONB operators: the keys are text
    has_any = sa.or_(*(column.has_key(f) for f in workflow.IDENTIFIER_FIELDS))
    stripped = column
    for field in workflow.IDENTIFIER_FIELDS:
        stripped = stripped.op("-")(field)
    result = model.Session.execute(
        sa.update(Request).where(Request.closed < closed_before, has_any)
        .values(applicant=stripped).execution_options(synchronize_session=False))
    return result.rowcount
