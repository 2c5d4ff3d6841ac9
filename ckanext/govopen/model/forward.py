"""Applications for a copy, forwarded to its origin portal (migration b8c9). The origin holds
the request and decides it; this row is the applicant's view of it here."""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

from ckanext.govopen.model.sealed import SealedJSON

__all__ = ["Forward", "FORWARD_STATES"]

# queued: not yet accepted by the origin (retried); forwarded: the origin holds it;
# answered: the origin closed it (decided, withdrawn); failed: it cannot be forwarded (why in last_error).
FORWARD_STATES = ("queued", "forwarded", "answered", "failed")


class Forward(tk.BaseModel):
    __tablename__ = "govopen_forward"
    __table_args__ = (sa.Index("govopen_forward_user_idx", "user_id", "created"),
                      sa.Index("govopen_forward_state_idx", "state"))

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False)  # type: ignore
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    origin_portal: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    origin_dataset_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    applicant: Mapped[dict[str, Any]] = sa.Column(SealedJSON, nullable=False, default=dict)  # type: ignore
    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    attempts: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore
    last_error: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    remote_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    remote_number: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    remote_status: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    remote_due: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    remote_decision: Mapped[dict[str, Any]] = sa.Column(JSONB, nullable=False, default=dict)  # type: ignore
    remote_events: Mapped[list[dict[str, Any]]] = sa.Column(JSONB, nullable=False, default=list)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
    modified: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
