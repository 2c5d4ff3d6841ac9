"""The DataStore load of each resource (migration f7a8): one row per resource, replaced by each
new load. Queries only; the loader commits on its own connection."""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

__all__ = ["DatastoreLoad"]


class DatastoreLoad(tk.BaseModel):
    __tablename__ = "govopen_datastore_load"

    # No foreign key: a load is queued from the resource hooks on a connection of its own,
    # possibly before the resource's own transaction commits (a key check would wait on it).
    resource_id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)  # type: ignore
    # queued, loading, done or failed
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    # What was loaded (the resource's url and last_modified): a resource update that changes
    # neither, such as the DataStore's own datastore_active flag, does not load again.
    source: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, server_default="")  # type: ignore
    encoding: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    rows: Mapped[int] = sa.Column(sa.BigInteger, nullable=False, server_default="0")  # type: ignore
    bytes_read: Mapped[int] = sa.Column(sa.BigInteger, nullable=False, server_default="0")  # type: ignore
    bytes_total: Mapped[int] = sa.Column(sa.BigInteger, nullable=False, server_default="0")  # type: ignore
    # The failure as an English msgid and its parameters (JSON), translated when shown.
    error: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    error_params: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    queued: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, server_default=sa.func.now())  # type: ignore
    started: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
    finished: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
