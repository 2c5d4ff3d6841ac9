"""Catalogue imports started on the upload page (migration e1f2): the file, progress and report
of each background job. Queries only; the job and the actions commit."""
from __future__ import annotations

import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["CatalogueImport"]


class CatalogueImport(tk.BaseModel):
    __tablename__ = "govopen_catalogue_import"
    __table_args__ = (sa.Index("govopen_catalogue_import_user_idx", "user_id"),
                      sa.Index("govopen_catalogue_import_org_idx", "owner_org"))

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=lambda: str(uuid.uuid4()))  # type: ignore
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)  # type: ignore
    owner_org: Mapped[str | None] = sa.Column(sa.UnicodeText, sa.ForeignKey("group.id", ondelete="CASCADE"))  # type: ignore
    filename: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    content: Mapped[bytes | None] = sa.Column(sa.LargeBinary)  # type: ignore
    valid_rows_only: Mapped[bool] = sa.Column(sa.Boolean, nullable=False, default=False)  # type: ignore
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="queued")  # type: ignore
    total: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore
    done: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore
    report: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=sa.func.now())  # type: ignore
    finished: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
