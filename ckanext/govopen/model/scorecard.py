"""What the department scorecard records besides the catalogue and the requests (migration a8b9):
change events an administrator registers, yearly review attestations, and frozen snapshots of
closed periods. Queries only; the actions own the transaction."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["ChangeEvent", "Attestation", "ScorecardSnapshot"]


class ChangeEvent(tk.BaseModel):
    """A dated change a department's catalogue must follow: a law, or the department's functions."""

    __tablename__ = "govopen_change_event"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=lambda: str(uuid.uuid4()))  # type: ignore
    owner_org: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False,  # type: ignore
                                       index=True)
    happened: Mapped[datetime.date] = sa.Column(sa.Date, nullable=False)  # type: ignore
    reason: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
    created_by: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # user id  # type: ignore


class Attestation(tk.BaseModel):
    """A department's yearly review of its whole catalogue, attested by one of its admins."""

    __tablename__ = "govopen_attestation"

    owner_org: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id"), primary_key=True)  # type: ignore
    year: Mapped[int] = sa.Column(sa.Integer, primary_key=True)  # type: ignore
    attested: Mapped[datetime.date] = sa.Column(sa.Date, nullable=False)  # Beijing day  # type: ignore
    statement: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="")  # type: ignore
    created_by: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # user id  # type: ignore


class ScorecardSnapshot(tk.BaseModel):
    """The scorecard of a closed period as it was first computed after the period closed: later
    edits do not change last quarter's report."""

    __tablename__ = "govopen_scorecard_snapshot"

    period: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # 2025 or 2025Q3  # type: ignore
    frozen: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
    figures: Mapped[dict[str, Any]] = sa.Column(JSONB, nullable=False)  # type: ignore
