"""govopen's own tables. Queries only; actions and hooks own the transaction (no commits here)."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk

__all__ = ["CategoryChange"]


def _uuid() -> str:
    return str(uuid.uuid4())


class CategoryChange(tk.BaseModel):
    """One change of a dataset's open or share category. Public: shown on the dataset page."""

    __tablename__ = "govopen_category_change"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"),
                                        nullable=False)  # type: ignore
    field: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    old_value: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    new_value: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    reason: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    user_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    source: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="portal")  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(
        sa.DateTime, nullable=False, default=lambda: datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    )  # type: ignore

    @classmethod
    def for_package(cls, package_id: str) -> list["CategoryChange"]:
        return (model.Session.query(cls).filter(cls.package_id == package_id)
                .order_by(cls.created.desc()).all())

    def as_dict(self) -> dict[str, Any]:
        user = model.User.get(self.user_id) if self.user_id else None
        return {
            "field": self.field, "old_value": self.old_value, "new_value": self.new_value,
            "reason": self.reason, "source": self.source, "created": self.created.isoformat(),
            "user": (user.fullname or user.name) if user else None,
        }
