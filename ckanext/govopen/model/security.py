"""The security audit log (migration b9c0): one row per security event, append-only (the
database refuses UPDATE always, and DELETE and TRUNCATE unless the transaction says
`SET LOCAL govopen.allow_delete = 'on'`). No identifier in clear: a login name that matched no
account is kept as a hash, and applicants' identifiers are never written here."""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["SecurityEvent"]


class SecurityEvent(tk.BaseModel):
    __tablename__ = "govopen_security_event"

    id: Mapped[int] = sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, index=True)  # type: ignore
    # login, login_failed, lockout, token_created, token_revoked, role_changed, sysadmin_changed, ...
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, index=True)  # type: ignore
    user_id: Mapped[str | None] = sa.Column(sa.UnicodeText, index=True)  # who acted (None: unknown)  # type: ignore
    subject: Mapped[str | None] = sa.Column(sa.UnicodeText)  # whom or what it concerns (ids, hashes)  # type: ignore
    address: Mapped[str | None] = sa.Column(sa.UnicodeText)  # the client's address  # type: ignore
    details: Mapped[dict[str, Any]] = sa.Column(JSONB, nullable=False, default=dict)  # type: ignore
