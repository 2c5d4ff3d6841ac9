"""Index the outbox's foreign keys: deleting a grant or a request (a dataset purge) cascades
into govopen_notification, and without these each deleted row scanned the whole outbox
(1,000 grants took 8.7 s against a 69,000-row outbox; 3.5 ms with the index).

Revision ID: d4f5a6b7c8d9
Revises: c3e4f5a6b7c8
Create Date: 2026-11-22
"""
from alembic import op

revision = "d4f5a6b7c8d9"
down_revision = "c3e4f5a6b7c8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("govopen_notification_request_idx", "govopen_notification", ["request_id"])
    op.create_index("govopen_notification_grant_idx", "govopen_notification", ["grant_id"])


def downgrade():
    op.drop_index("govopen_notification_grant_idx", table_name="govopen_notification")
    op.drop_index("govopen_notification_request_idx", table_name="govopen_notification")
