"""Applications forwarded across tiers (the cascade's supply-demand flow, 供需级联).

On an upper portal, an application for an ``on_application`` copy, or a department's share
request for a ``conditional`` one, is kept here as a ``Forward`` and sent to the copy's origin
portal, which holds the request, answers it under its own policy and deadlines, and tells the
upper portal where it stands:

- upper: ``queue`` (the applicant applies here), ``run`` (``ckan govopen forward``, each sweep):
  send what is queued (retried until the origin has it; the origin takes each forward once,
  however often it is sent), then ask the origins about every open forward;
- origin: ``accept`` makes the request (as a user standing for the upper portal, with the
  applicant's declaration), ``states`` tells the upper portal about the requests it forwarded.

Granted data is delivered through the upper portal (``fetch``, ``resource``): the applicant (or,
for a share request, a member of the requesting department) downloads on the portal where they
applied, which asks the origin for the file in a signed call, and the origin checks the grant at
every download. Revocation or expiry at the origin closes it at once; each delivery is an event
of the request at the origin.

The applicant's identifiers travel only to the origin, in a signed call (HTTPS where the
portals are configured so); once the origin has them, the upper portal keeps them masked.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.catalogue.codes import mask_identifier
from ckanext.govopen.model import Forward, Grant, Request, RequestEvent, utcnow
from ckanext.govopen.requests import rules as workflow
from ckanext.govopen.sync import peer, store
from ckanext.govopen.text import N_
from ckanext.govopen.times import api_time
from ckanext.govopen.translations import text

__all__ = ["queue", "run", "accept", "states", "forward_dict", "may_follow", "granted", "fetch", "resource",
           "NO_ROUTE", "NOT_GRANTED"]

log = logging.getLogger(__name__)
NO_ROUTE = N_("This portal shares no secret with the origin portal {portal}: the application cannot be forwarded")
REFUSED = N_("The origin portal refused the application: {reason}")
NOT_GRANTED = N_("This resource is not granted to you, or the grant has ended")
DELIVERED = N_("Delivered through {portal}: {resource}")
NOT_HELD = N_("This portal holds only a copy of this entry: apply to the portal that holds it (forwards are not relayed)")


# --- the upper portal ---------------------------------------------------------------------------

def queue(user: model.User, pkg: model.Package, kind: str, applicant: dict[str, Any]) -> Forward:
    """Keep USER's application for the copy PKG, to be forwarded to its origin (the caller commits)."""
    extras = pkg.extras or {}
    now = utcnow()
    fwd = Forward(id=str(uuid.uuid4()), kind=kind, user_id=user.id, package_id=pkg.id,
                  origin_portal=str(extras["origin_portal"]).rstrip("/"),
                  origin_dataset_id=str(extras["origin_dataset_id"]), applicant=applicant, state="queued",
                  attempts=0, remote_decision={}, remote_events=[], created=now, modified=now)
    model.Session.add(fwd)
    return fwd


def may_follow(fwd: Forward, user: model.User | None) -> bool:
    """The applicant; for a share request, every member of the requesting department (now)."""
    from ckanext.govopen.requests import store as request_store

    if user is None:
        return False
    if user.sysadmin or fwd.user_id == user.id:
        return True
    org = (fwd.applicant or {}).get("applicant_org")
    return fwd.kind == "share_application" and bool(org) and org in request_store.memberships(user)


def granted(fwd: Forward) -> list[dict[str, Any]]:
    """The resources the origin granted and that are still usable, as far as its last answer
    says (the origin checks again at every download)."""
    decision = fwd.remote_decision or {}
    if fwd.remote_status not in ("approved", "deemed_approved") or decision.get("revoked"):
        return []
    from ckanext.govopen.requests import store as request_store

    expires = decision.get("expires")  # the last day, Beijing time
    if not expires or expires < request_store.today().isoformat():
        return []
    return [r for r in decision.get("resources") or [] if isinstance(r, dict) and r.get("id")]


def forward_dict(fwd: Forward, see_identifiers: bool) -> dict[str, Any]:
    applicant = dict(fwd.applicant or {})
    if not see_identifiers:
        for field in workflow.IDENTIFIER_FIELDS:
            if applicant.get(field):
                applicant[field] = mask_identifier(applicant[field])
    pkg = model.Package.get(fwd.package_id)
    return {"id": fwd.id, "kind": fwd.kind, "forwarded": True, "state": fwd.state, "user_id": fwd.user_id,
            "dataset_id": fwd.package_id, "dataset_name": pkg.name if pkg else None,
            "dataset_title": pkg.title if pkg else None,
            "origin_portal": fwd.origin_portal, "attempts": fwd.attempts, "last_error": fwd.last_error,
            "remote_id": fwd.remote_id, "number": fwd.remote_number, "status": fwd.remote_status,
            "due": fwd.remote_due, "decision": dict(fwd.remote_decision or {}), "granted": granted(fwd),
            # One trail: the application here, then everything the origin recorded.
            "events": [{"portal": peer.site_url(), "action": "create", "to": "queued", "note": None,
                        "created": api_time(fwd.created)}, *(fwd.remote_events or [])],
            "created": api_time(fwd.created),
            "modified": api_time(fwd.modified), **applicant}


def _apply(fwd: Forward, state: dict[str, Any]) -> None:
    fwd.remote_id, fwd.remote_number = state.get("id"), state.get("number")
    fwd.remote_status, fwd.remote_due = state.get("status"), state.get("due")
    fwd.remote_decision = state.get("decision") or {}
    fwd.remote_events = state.get("events") or []
    fwd.state = "answered" if fwd.remote_status in workflow.END_STATUSES else "forwarded"
    fwd.last_error = None
    fwd.modified = utcnow()


def _mask(fwd: Forward) -> None:
    fwd.applicant = {k: (mask_identifier(v) if k in workflow.IDENTIFIER_FIELDS and v else v) for k, v in (fwd.applicant or {}).items()}


def _send(fwd: Forward) -> None:
    secret = peer.secret_of(fwd.origin_portal)
    if not secret:
        fwd.state, fwd.last_error = "failed", text(NO_ROUTE).format(portal=fwd.origin_portal)
        _mask(fwd)  # it goes nowhere: nothing here needs the identifiers
        return
    fwd.attempts += 1
    try:
        state = peer.call(fwd.origin_portal, secret, "/api/govopen/forward/apply",
                          {"forward_id": fwd.id, "kind": fwd.kind, "dataset_id": fwd.origin_dataset_id,
                           # The department is this portal's: the origin knows it by its name.
                           "applicant": {k: v for k, v in (fwd.applicant or {}).items() if k != "applicant_org"}})
    except peer.CallFailed as err:
        if err.code is None or err.code in peer.RETRIED:
            fwd.last_error = str(err)  # not reached: stays queued, sent again next run
        else:
            fwd.state, fwd.last_error = "failed", text(REFUSED).format(reason=err)
            _mask(fwd)
        fwd.modified = utcnow()
        return
    _apply(fwd, state)
    _mask(fwd)  # the origin has the identifiers now: here they are kept masked only


def run(progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Send the queued forwards, then ask each origin about the open ones. One commit per forward."""
    figures = {"sent": 0, "failed": 0, "waiting": 0, "updated": 0, "answered": 0}
    unreachable: set[str] = set()  # tried once this run: the rest of its queue waits for the next
    for (fwd_id,) in model.Session.query(Forward.id).filter(Forward.state == "queued").order_by(Forward.created).all():
        fwd = model.Session.query(Forward).filter(Forward.id == fwd_id).with_for_update(skip_locked=True).one_or_none()
        if fwd is None or fwd.state != "queued" or fwd.origin_portal in unreachable:
            figures["waiting"] += fwd is not None and fwd.state == "queued"
            model.Session.rollback()
            continue
        _send(fwd)
        if fwd.state == "queued":
            unreachable.add(fwd.origin_portal)
        figures[{"queued": "waiting", "failed": "failed"}.get(fwd.state, "sent")] += 1
        model.Session.commit()
    # Open ones, and answered ones whose grant may still be revoked or end at the origin.
    open_ = [f for f in model.Session.query(Forward).filter(Forward.state.in_(("forwarded", "answered")))
             if f.state == "forwarded" or granted(f)]
    by_origin: dict[str, list[Forward]] = {}
    for fwd in open_:
        by_origin.setdefault(fwd.origin_portal, []).append(fwd)
    for origin, forwards in by_origin.items():
        secret = peer.secret_of(origin)
        if not secret:
            continue
        for n in range(0, len(forwards), 100):
            batch = forwards[n:n + 100]
            try:
                answer = peer.call(origin, secret, "/api/govopen/forward/status",
                                   {"forward_ids": [f.id for f in batch]})
            except peer.CallFailed as err:
                progress(f"{origin}: {err}")
                for fwd in batch:
                    fwd.last_error = str(err)
                model.Session.commit()
                continue
            known = {s["forward_id"]: s for s in answer.get("requests", []) if isinstance(s, dict)}
            for fwd in batch:
                if fwd.id in known:
                    before = (fwd.state, fwd.remote_status, len(fwd.remote_events or []), fwd.remote_decision)
                    _apply(fwd, known[fwd.id])
                    if (fwd.state, fwd.remote_status, len(fwd.remote_events or []), fwd.remote_decision) != before:
                        figures["updated"] += 1
                    figures["answered"] += before[0] != "answered" and fwd.state == "answered"
            model.Session.commit()
    progress("{sent} sent, {failed} failed, {waiting} waiting to be sent; {updated} updated, {answered} answered"
             .format(**figures))
    return figures


def fetch(fwd: Forward, resource_id: str):
    """Ask the origin for a granted resource: the open response (a file, or JSON with the
    resource's ``url``). Raises peer.CallFailed (refused: the origin's code; unreachable: none)."""
    secret = peer.secret_of(fwd.origin_portal)
    if not secret:
        raise peer.CallFailed(text(NO_ROUTE).format(portal=fwd.origin_portal), "1002")
    return peer.open_call(fwd.origin_portal, secret, "/api/govopen/forward/resource",
                          {"forward_id": fwd.id, "resource_id": resource_id})


# --- the origin portal --------------------------------------------------------------------------

def _proxy_user(portal: str) -> model.User:
    """The user a portal's forwarded applications are filed as here (one per portal; it cannot log in)."""
    name = "portal-" + hashlib.sha256(portal.encode()).hexdigest()[:16]
    user = model.User.get(name)
    if user is None:
        user = model.User(name=name, fullname=f"{portal}", password=secrets.token_urlsafe(32),
                          about=text(N_("Applications forwarded from {portal}")).format(portal=portal))
        model.Session.add(user)
        model.Session.flush()
    return user


def _forwarded(portal: str, forward_ids: list[str]):
    fwd = Request.applicant["forwarded_from"]
    return model.Session.query(Request).filter(fwd["portal"].astext == portal, fwd["id"].astext.in_(forward_ids))


def _granted_resources(decision: dict[str, Any]) -> list[dict[str, Any]]:
    ids = decision.get("resource_ids") or []
    rows = {r.id: r for r in model.Session.query(model.Resource).filter(model.Resource.id.in_(ids or [""]))}
    return [{"id": i, "name": rows[i].name or i, "format": rows[i].format or ""} for i in ids if i in rows]


def _state(req: Request) -> dict[str, Any]:
    site = peer.site_url()
    decision = dict(req.decision or {})
    grant = model.Session.query(Grant).filter(Grant.request_id == req.id).one_or_none()
    told = {k: decision[k] for k in ("decision", "reason", "legal_basis", "conditions", "expires", "resource_ids")
            if k in decision}
    if grant is not None:
        told.update(resources=_granted_resources(decision), revoked=api_time(grant.revoked),
                    conditions=grant.conditions)
    return {"forward_id": (req.applicant or {}).get("forwarded_from", {}).get("id"), "id": req.id,
            "number": f"{req.created.year}-{req.number:06d}", "status": req.status,
            "due": req.due.isoformat() if req.due else None,
            "decision": told,
            "events": [{"portal": site, "action": e.action, "to": e.to_status, "note": e.note,
                        "created": api_time(e.created)} for e in req.events()]}


def accept(portal: str, data: dict[str, Any]) -> dict[str, Any]:
    """File the application PORTAL forwarded (once: the same forward_id again answers the same
    request), through govopen_request_create, under this portal's own policy."""
    from ckanext.govopen.requests import notifications

    forward_id = data["forward_id"]
    store.lock("forward", portal, forward_id)
    existing = _forwarded(portal, [forward_id]).first()
    if existing is not None:
        model.Session.rollback()
        return _state(existing)
    held = model.Package.get(str(data["dataset_id"]))
    if held is not None and (held.extras or {}).get("origin_dataset_id"):
        # A copy here would forward it on: the identifiers would leave for a portal the
        # applicant never chose. Refused (the sender marks the forward failed, masked).
        model.Session.rollback()
        raise tk.ValidationError({"dataset_id": [text(NOT_HELD)]})
    user = _proxy_user(portal)
    context = {"model": model, "session": model.Session, "user": user.name, "defer_commit": True,
               "govopen_forwarded_from": {"portal": portal, "id": forward_id}}
    result = tk.get_action("govopen_request_create")(
        context, {**data["applicant"], "dataset_id": data["dataset_id"], "kind": data["kind"]})
    model.Session.commit()
    notifications.dispatch()
    return _state(model.Session.get(Request, result["id"]))


def states(portal: str, forward_ids: list[str]) -> list[dict[str, Any]]:
    """Where the requests PORTAL forwarded (of FORWARD_IDS) stand; nothing of any other portal's."""
    return [_state(req) for req in _forwarded(portal, forward_ids).order_by(Request.created)]


def resource(portal: str, forward_id: str, resource_id: str) -> dict[str, Any]:
    """A resource granted to the request PORTAL forwarded as FORWARD_ID, checked now: the
    request's own grant (live, holding the resource) and the gate (a suspension or a closed
    category closes it too). ``{"file": path, "name", "mimetype"}`` for an upload kept here,
    ``{"url": ...}`` for a link. Records the delivery as an event of the request (committed)."""
    from ckan.lib import uploader

    from ckanext.govopen.access import gate

    req = _forwarded(portal, [forward_id]).first()
    grant = None if req is None else model.Session.query(Grant).filter(
        Grant.request_id == req.id, Grant.revoked.is_(None), Grant.expires > utcnow()).one_or_none()
    res = model.Session.get(model.Resource, resource_id)
    if grant is None or res is None or res.state != "active" or resource_id not in (grant.resource_ids or []) \
            or res.package_id != req.package_id:
        raise tk.ObjectNotFound(text(NOT_GRANTED))
    user = _proxy_user(portal)
    if not gate.may_access_resource({"user": user.name}, res):
        raise tk.ObjectNotFound(text(NOT_GRANTED))
    # An event, not a transition: the status (and when the request closed) stay as they are.
    model.Session.add(RequestEvent(request_id=req.id, actor_id=user.id, action="deliver", from_status=req.status,
                                   to_status=req.status,
                                   note=text(DELIVERED).format(portal=portal, resource=res.name or res.id)))
    model.Session.commit()
    if res.url_type == "upload":
        path = uploader.get_resource_uploader({"id": res.id, "url": res.url, "url_type": res.url_type}).get_path(res.id)
        return {"file": path, "name": (res.url or res.id).rsplit("/", 1)[-1], "mimetype": res.mimetype}
    return {"url": res.url}
