"""Writing and reading the security audit log (glue). Events are written on a connection of
their own and committed at once: a failed login rolls its request back, its record stays."""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

import ckan.model as model

from ckanext.govopen.model import SecurityEvent
from ckanext.govopen.text import N_

__all__ = ["KINDS", "LABELS", "record", "record_with_session", "client_address", "search"]

KINDS = ("login", "login_failed", "lockout", "login_refused", "token_created", "token_revoked", "role_changed",
         "login_unlocked", "identifier_viewed", "grant_created", "grant_revoked", "sysadmin_action")
# What the log's page calls each kind (translated there; the CSV and the API keep the kinds).
LABELS = {
    "login": N_("Login"), "login_failed": N_("Failed login"), "lockout": N_("Login locked"),
    "login_refused": N_("Login refused"), "token_created": N_("API token created"),
    "token_revoked": N_("API token revoked"), "role_changed": N_("Role in a department changed"),
    "login_unlocked": N_("Lockout lifted"), "identifier_viewed": N_("Identifier shown in clear"),
    "grant_created": N_("Access granted"), "grant_revoked": N_("Access revoked"),
    "sysadmin_action": N_("Write by a sysadmin"),
}


def client_address() -> str | None:
    """The client's address in a request (as the WSGI server saw it: behind a proxy, configure
    the proxy's forwarding, README "Security"), or None outside one."""
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover
        return None
    return request.remote_addr if has_request_context() else None


def _row(kind: str, user_id: str | None, subject: str | None, details: dict[str, Any] | None) -> dict[str, Any]:
    return {"created": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None), "kind": kind,
            "user_id": user_id, "subject": subject, "address": client_address(), "details": details or {}}


def record(kind: str, user_id: str | None = None, subject: str | None = None,
           details: dict[str, Any] | None = None) -> None:
    """Append one event, committed on its own connection."""
    with model.meta.engine.begin() as conn:
        conn.execute(sa.insert(SecurityEvent.__table__).values(**_row(kind, user_id, subject, details)))


def record_with_session(kind: str, user_id: str | None = None, subject: str | None = None,
                        details: dict[str, Any] | None = None) -> None:
    """Append one event in the session's transaction: it is kept exactly when what it records is
    (the sweep's deemed approvals)."""
    model.Session.execute(sa.insert(SecurityEvent.__table__).values(**_row(kind, user_id, subject, details)))


def search(kind: str | None = None, user_id: str | None = None, since: datetime.datetime | None = None,
           until: datetime.datetime | None = None, limit: int = 50, offset: int = 0) -> tuple[int, list[dict]]:
    """(count, events newest first) matching the filters."""
    query = model.Session.query(SecurityEvent)
    if kind:
        query = query.filter(SecurityEvent.kind == kind)
    if user_id:
        query = query.filter(SecurityEvent.user_id == user_id)
    if since:
        query = query.filter(SecurityEvent.created >= since)
    if until:
        query = query.filter(SecurityEvent.created < until)
    rows = query.order_by(SecurityEvent.id.desc()).offset(offset).limit(limit).all()
    return query.count(), [{"id": r.id, "created": r.created.isoformat(timespec="seconds") + "Z", "kind": r.kind,
                            "user_id": r.user_id, "subject": r.subject, "address": r.address, "details": r.details}
                           for r in rows]
