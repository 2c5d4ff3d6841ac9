"""Uses of each dataset per day (Beijing time): page views, downloads, API reads, robots left out
(migration d0e1). Counted by the server, not by CKAN's tracking beacon."""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["UsageDay"]


class UsageDay(tk.BaseModel):
    __tablename__ = "govopen_usage_day"
    __table_args__ = (sa.Index("govopen_usage_day_package_idx", "package_id"),)

    day: Mapped[datetime.date] = sa.Column(sa.Date, primary_key=True)  # type: ignore
    # No foreign key: the figures outlive a purged dataset (as grants do).
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore
    kind: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # view, download, api  # type: ignore
    count: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)  # type: ignore
