"""Notification outbox: one row per mail to send, keyed so nothing is queued twice; and an
index for the deadline sweep's scans of open requests.

Revision ID: c3e4f5a6b7c8
Revises: b2d1e3f40712
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "c3e4f5a6b7c8"
down_revision = "b2d1e3f40712"
branch_labels = None
depends_on = None

OPEN = "('submitted', 'accepted', 'info_requested', 'resubmitted')"


def upgrade():
    op.create_table(
        "govopen_notification",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.UnicodeText, nullable=False, unique=True),
        sa.Column("event", sa.UnicodeText, nullable=False),
        sa.Column("request_id", sa.UnicodeText, sa.ForeignKey("govopen_request.id", ondelete="CASCADE")),
        sa.Column("grant_id", sa.UnicodeText, sa.ForeignKey("govopen_grant.id", ondelete="CASCADE")),
        sa.Column("recipient_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.text("(now() at time zone 'utc')")),
        sa.Column("sent", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.UnicodeText),
    )
    op.create_index("govopen_notification_unsent_idx", "govopen_notification", ["id"],
                    postgresql_where=sa.text("sent IS NULL"))
    op.create_index("govopen_request_open_due_idx", "govopen_request", ["due"],
                    postgresql_where=sa.text(f"status IN {OPEN}"))
    op.create_index("govopen_grant_expires_idx", "govopen_grant", ["expires"],
                    postgresql_where=sa.text("revoked IS NULL"))


def downgrade():
    op.drop_index("govopen_grant_expires_idx", table_name="govopen_grant")
    op.drop_index("govopen_request_open_due_idx", table_name="govopen_request")
    op.drop_table("govopen_notification")
