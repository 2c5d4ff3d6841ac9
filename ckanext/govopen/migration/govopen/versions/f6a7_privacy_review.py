"""Privacy objections no longer hide a dataset's resources the moment anyone files one (open
sign-up made that a way to take any open data offline): `suspended` records since when an
objection withholds them, `review_due` until when the department must decide whether it should.
Open privacy objections filed before keep withholding (suspended = their filing time).

Also normalises applicants' `requested_until` to YYYY-MM-DD: Python's date parser took ISO week
dates and basic forms that PostgreSQL refuses to cast, and one such row stopped the deadline
sweep. Values that are no date at all are left as they are (the sweep reports and skips them).

Revision ID: f6a7b8c9d0e1
Revises: e5a6b7c8d9e0
Create Date: 2026-12-04
"""
import datetime

import sqlalchemy as sa
from alembic import op

revision = "f6a7b8c9d0e1"
down_revision = "e5a6b7c8d9e0"
branch_labels = None
depends_on = None

_OPEN = ("submitted", "accepted", "info_requested", "resubmitted")


def upgrade():
    op.add_column("govopen_request", sa.Column("suspended", sa.DateTime))
    op.add_column("govopen_request", sa.Column("review_due", sa.Date))
    op.execute(sa.text(
        "UPDATE govopen_request SET suspended = created WHERE kind = 'objection' "
        "AND applicant ->> 'objection_type' = 'privacy' AND status = ANY(:open)").bindparams(open=list(_OPEN)))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, applicant ->> 'requested_until' FROM govopen_request "
        "WHERE COALESCE(applicant ->> 'requested_until', '') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "
        "AND COALESCE(applicant ->> 'requested_until', '') <> ''")).all()
    for request_id, value in rows:
        try:
            day = datetime.date.fromisoformat(value.strip())
        except ValueError:
            continue
        bind.execute(sa.text(
            "UPDATE govopen_request SET applicant = jsonb_set(applicant, '{requested_until}', to_jsonb(CAST(:day AS text))) "
            "WHERE id = :id"), {"day": day.isoformat(), "id": request_id})


def downgrade():
    op.drop_column("govopen_request", "review_due")
    op.drop_column("govopen_request", "suspended")
