"""govopen's own tables. Queries only; actions and hooks own the transaction (no commits here)."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govopen.deadlines.engine import SHANGHAI
from ckanext.govopen.model.sealed import SealedJSON
from ckanext.govopen.times import api_time, last_day

__all__ = ["CategoryChange", "Request", "RequestEvent", "Grant", "Notification", "Report", "Forward", "UsageDay", "CatalogueImport", "DatastoreLoad", "ChangeEvent", "Attestation", "ScorecardSnapshot", "SecurityEvent", "utcnow", "user_memberships",
           "user_departments"]


def _package_indexes() -> None:
    """govopen's indexes on CKAN's package table (migrations c9d0, e1f2), declared on CKAN's
    table so that the models match the migrated database (`ckan db check`)."""
    extras = model.package_table.c.extras
    if any(i.name == "govopen_package_catalogue_code_idx" for i in model.package_table.indexes):
        return
    sa.Index("govopen_package_catalogue_code_idx", extras["catalogue_code"].astext)
    sa.Index("govopen_package_origin_code_key", extras["origin_portal"].astext, extras["catalogue_code"].astext,
             unique=True, postgresql_where=sa.text("state <> 'deleted' AND extras ? 'catalogue_code'"))


_package_indexes()


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime.datetime:
    """Naive UTC, as CKAN stores its own timestamps."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def user_memberships(user_id: str) -> dict[str, str]:
    """{organization id: capacity} of the user's active memberships of active departments."""
    return {org: capacity for org, capacity, _ in _membership_rows(user_id)}


def user_departments(user_id: str) -> tuple[dict[str, str], frozenset[str]]:
    """The user's memberships ({organization id: capacity}, as user_memberships) and which of
    those organizations are government departments for sharing (department type listed in
    ckanext.govopen.share.government_types), in one query."""
    rows = _membership_rows(user_id)
    types = set(tk.config["ckanext.govopen.share.government_types"] or ())
    return ({org: capacity for org, capacity, _ in rows},
            frozenset(org for org, _, kind in rows if kind in types))


def _membership_rows(user_id: str) -> list[tuple[str, str, str | None]]:
    # Plain SQL: the gate asks this on every restricted package_show, where ORM query
    # building costs more than the query itself.
    return [tuple(r) for r in model.Session.execute(_MEMBERSHIPS, {"user_id": user_id}).all()]


_MEMBERSHIPS = sa.text("""
    SELECT m.group_id, m.capacity, g.extras ->> 'department_type' FROM member m JOIN "group" g ON g.id = m.group_id
    WHERE m.table_name = 'user' AND m.table_id = :user_id AND m.state = 'active'
      AND g.is_organization AND g.state = 'active'""")


class CategoryChange(tk.BaseModel):
    """One change of a dataset's open or share category. Public: shown on the dataset page."""

    __tablename__ = "govopen_category_change"
    # Indexes and keys as the migrations made them (`ckan db check` compares): here too.
    __table_args__ = (sa.Index("govopen_category_change_package_idx", "package_id", "created"),)

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore
    # No foreign key: the record outlives a purged dataset (migration e5a6).
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    field: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    old_value: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    new_value: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    reason: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    user_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    source: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="portal")  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)  # type: ignore

    @classmethod
    def for_package(cls, package_id: str) -> list["CategoryChange"]:
        return (model.Session.query(cls).filter(cls.package_id == package_id)
                .order_by(cls.created.desc()).all())

    def as_dict(self) -> dict[str, Any]:
        user = model.User.get(self.user_id) if self.user_id else None
        return {
            "field": self.field, "old_value": self.old_value, "new_value": self.new_value,
            "reason": self.reason, "source": self.source, "created": api_time(self.created),
            "user": (user.fullname or user.name) if user else None,
        }


class Request(tk.BaseModel):
    """An application, share request, objection or correction, and where it stands.

    ``applicant`` holds what the applicant declared (identifiers included: sealed in the
    database, masked on output to all but deciders, purged after the retention period); ``decision`` what was decided.
    """

    __tablename__ = "govopen_request"
    __table_args__ = (
        sa.Index("govopen_request_org_due_idx", "owner_org", "status", "due"),
        sa.Index("govopen_request_user_idx", "user_id", "created"),
        sa.Index("govopen_request_package_idx", "package_id"),
        sa.Index("govopen_request_open_due_idx", "due",
                 postgresql_where=sa.text("status IN ('submitted', 'accepted', 'info_requested', 'resubmitted')")),
    )

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore
    number: Mapped[int] = sa.Column(sa.Integer, sa.Sequence("govopen_request_number_seq"),
                                    nullable=False, unique=True)  # type: ignore
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    escalated: Mapped[bool] = sa.Column(sa.Boolean, nullable=False, default=False)  # type: ignore
    # No foreign key: the record outlives a purged dataset (migration e5a6).
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    owner_org: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    resource_ids: Mapped[list] = sa.Column(JSONB, nullable=False, default=list)  # type: ignore
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False)  # type: ignore
    applicant_org: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    applicant: Mapped[dict] = sa.Column(SealedJSON, nullable=False, default=dict)  # type: ignore
    policy: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    due: Mapped[datetime.date | None] = sa.Column(sa.Date)  # type: ignore
    accept_due: Mapped[datetime.date | None] = sa.Column(sa.Date)  # type: ignore
    pauses: Mapped[list] = sa.Column(JSONB, nullable=False, default=list)  # type: ignore
    decision: Mapped[dict] = sa.Column(JSONB, nullable=False, default=dict)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)  # type: ignore
    modified: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)  # type: ignore
    closed: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
    # A privacy objection: since when it withholds the dataset's resources (None: it does not),
    # and until when the department may decide whether it should (None: decided, or not needed).
    suspended: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
    review_due: Mapped[datetime.date | None] = sa.Column(sa.Date)  # type: ignore

    @classmethod
    def get_for_update(cls, request_id: str) -> "Request | None":
        """The row, locked until the transaction ends: of two simultaneous decisions the
        second waits, then sees the first one's status."""
        return model.Session.query(cls).filter(cls.id == request_id).with_for_update().one_or_none()

    def events(self) -> list["RequestEvent"]:
        return (model.Session.query(RequestEvent).filter(RequestEvent.request_id == self.id)
                .order_by(RequestEvent.id).all())


class RequestEvent(tk.BaseModel):
    """One step in a request's life. Append-only (the database refuses updates)."""

    __tablename__ = "govopen_request_event"
    __table_args__ = (sa.Index("govopen_request_event_request_idx", "request_id", "id"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True, autoincrement=True)  # type: ignore
    request_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("govopen_request.id", ondelete="CASCADE"),
                                        nullable=False)  # type: ignore
    actor_id: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    action: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    from_status: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    to_status: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    note: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)  # type: ignore


class Grant(tk.BaseModel):
    """Access opened by an approved request: to a user (open applications) or to every member
    of a department (share applications). Checked at every access by the gate."""

    __tablename__ = "govopen_grant"
    __table_args__ = (
        sa.Index("govopen_grant_holder_idx", "holder_type", "holder_id"),
        sa.Index("govopen_grant_package_idx", "package_id"),
        sa.Index("govopen_grant_expires_idx", "expires", postgresql_where=sa.text("revoked IS NULL")),
    )

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)  # type: ignore
    request_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey("govopen_request.id", ondelete="CASCADE"),
                                        nullable=False, unique=True)  # type: ignore
    # No foreign key: the record outlives a purged dataset (migration e5a6).
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    resource_ids: Mapped[list] = sa.Column(JSONB, nullable=False, default=list)  # type: ignore
    holder_type: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    holder_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)  # type: ignore
    conditions: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    expires: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False)  # type: ignore
    revoked: Mapped[datetime.datetime | None] = sa.Column(sa.DateTime)  # type: ignore
    revoked_by: Mapped[str | None] = sa.Column(sa.UnicodeText)  # type: ignore
    created: Mapped[datetime.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)  # type: ignore

    @classmethod
    def live_for(cls, user_id: str, org_ids: "frozenset[str]") -> list["Grant"]:
        """Unrevoked, unexpired grants held by the user or one of their departments (one query)."""
        holders = sa.or_(sa.and_(cls.holder_type == "user", cls.holder_id == user_id),
                         sa.and_(cls.holder_type == "department", cls.holder_id.in_(list(org_ids) or [""])))
        return (model.Session.query(cls)
                .filter(holders, cls.revoked.is_(None), cls.expires > utcnow()).all())

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "request_id": self.request_id, "dataset_id": self.package_id,
                "resource_ids": list(self.resource_ids or []), "holder_type": self.holder_type,
                "holder_id": self.holder_id, "conditions": self.conditions,
                # The last day the grant runs, as chosen ("until 2027-06-30"), and the instant it ends.
                "expires": last_day(self.expires, SHANGHAI).isoformat(), "ends_at": api_time(self.expires),
                "revoked": api_time(self.revoked), "created": api_time(self.created)}


from ckanext.govopen.model.notification import Notification  # noqa: E402  (needs tk.BaseModel loaded)
from ckanext.govopen.model.report import Report  # noqa: E402
from ckanext.govopen.model.forward import Forward  # noqa: E402
from ckanext.govopen.model.usage import UsageDay  # noqa: E402
from ckanext.govopen.model.catalogue_import import CatalogueImport  # noqa: E402
from ckanext.govopen.model.datastore_load import DatastoreLoad  # noqa: E402
from ckanext.govopen.model.scorecard import Attestation, ChangeEvent, ScorecardSnapshot  # noqa: E402
from ckanext.govopen.model.security import SecurityEvent  # noqa: E402
