"""Applications made on this portal for a copy, forwarded to the origin portal that holds the
data (the cascade's supply-demand flow): one row per application, with its forwarding state
and what the origin answered. The origin keeps the request itself.

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "b8c9d0e1f2a3"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_forward",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("origin_portal", sa.UnicodeText, nullable=False),
        sa.Column("origin_dataset_id", sa.UnicodeText, nullable=False),
        sa.Column("applicant", JSONB, nullable=False, server_default="{}"),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.UnicodeText),
        sa.Column("remote_id", sa.UnicodeText),
        sa.Column("remote_number", sa.UnicodeText),
        sa.Column("remote_status", sa.UnicodeText),
        sa.Column("remote_due", sa.UnicodeText),
        sa.Column("remote_decision", JSONB, nullable=False, server_default="{}"),
        sa.Column("remote_events", JSONB, nullable=False, server_default="[]"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )
    op.create_index("govopen_forward_user_idx", "govopen_forward", ["user_id", "created"])
    op.create_index("govopen_forward_state_idx", "govopen_forward", ["state"])


def downgrade():
    op.drop_table("govopen_forward")
