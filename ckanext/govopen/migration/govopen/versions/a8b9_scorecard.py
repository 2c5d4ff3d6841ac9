"""The department scorecard: change events, yearly attestations, snapshots of closed periods.

Revision ID: a8b9c0d1e2f3
Revises: f7a8b9c0d1e2
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "a8b9c0d1e2f3"
down_revision = "f7a8b9c0d1e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_change_event",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("owner_org", sa.UnicodeText, sa.ForeignKey("group.id"), nullable=False),
        sa.Column("happened", sa.Date, nullable=False),
        sa.Column("reason", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.UnicodeText, nullable=False),
    )
    op.create_index("ix_govopen_change_event_owner_org", "govopen_change_event", ["owner_org"])
    op.create_table(
        "govopen_attestation",
        sa.Column("owner_org", sa.UnicodeText, sa.ForeignKey("group.id"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("attested", sa.Date, nullable=False),
        sa.Column("statement", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("created_by", sa.UnicodeText, nullable=False),
    )
    op.create_table(
        "govopen_scorecard_snapshot",
        sa.Column("period", sa.UnicodeText, primary_key=True),
        sa.Column("frozen", sa.DateTime, nullable=False),
        sa.Column("figures", JSONB, nullable=False),
    )


def downgrade():
    op.drop_table("govopen_scorecard_snapshot")
    op.drop_table("govopen_attestation")
    op.drop_index("ix_govopen_change_event_owner_org", "govopen_change_event")
    op.drop_table("govopen_change_event")
