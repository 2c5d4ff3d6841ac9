"""Push reports sent to the tier above: one row per report and target (migration a7b8)."""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["Report"]


class Report(tk.BaseModel):
    __tablename__ = "govopen_report"
    __table_args__ = (sa.Index("govopen_report_target_idx", "target", "started"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore
    target: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    url: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    started: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
    finished: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # running, done, failed  # type: ignore
    remote_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # the upper portal's job id  # type: ignore
    figures: Mapped[dict[str, Any]] = sa.Column(JSONB, nullable=False, default=dict)  # type: ignore
    refused: Mapped[list[dict[str, Any]]] = sa.Column(JSONB, nullable=False, default=list)  # type: ignore
    error: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
