"""The notification outbox: a row per mail, written in the transaction that caused it and sent
after that transaction commits. The unique key makes queuing idempotent."""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["Notification"]


class Notification(tk.BaseModel):
    __tablename__ = "govopen_notification"
    __table_args__ = (
        sa.Index("govopen_notification_unsent_idx", "id", postgresql_where=sa.text("sent IS NULL")),
        sa.Index("govopen_notification_request_idx", "request_id"),
        sa.Index("govopen_notification_grant_idx", "grant_id"),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True, autoincrement=True)  # type: ignore
    key: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, unique=True)  # type: ignore
    event: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    request_id: Mapped[str | None] = sa.Column(sa.UnicodeText, sa.ForeignKey("govopen_request.id", ondelete="CASCADE"))  # type: ignore
    grant_id: Mapped[str | None] = sa.Column(sa.UnicodeText, sa.ForeignKey("govopen_grant.id", ondelete="CASCADE"))  # type: ignore
    recipient_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
    sent: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
    attempts: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore
    last_error: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
