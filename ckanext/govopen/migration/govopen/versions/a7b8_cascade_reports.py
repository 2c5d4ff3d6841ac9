"""The push reports this portal sent to the tier above (`ckan govopen report`): one row per
report and target, with its figures, the entries the upper portal refused, and the error that
stopped it. The data authority's report page reads it.

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "a7b8c9d0e1f2"
down_revision = "f6a7b8c9d0e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_report",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("target", sa.UnicodeText, nullable=False),
        sa.Column("url", sa.UnicodeText, nullable=False),
        sa.Column("started", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("remote_id", sa.UnicodeText),
        sa.Column("figures", JSONB, nullable=False, server_default="{}"),
        sa.Column("refused", JSONB, nullable=False, server_default="[]"),
        sa.Column("error", sa.UnicodeText),
    )
    op.create_index("govopen_report_target_idx", "govopen_report", ["target", "started"])


def downgrade():
    op.drop_index("govopen_report_target_idx", "govopen_report")
    op.drop_table("govopen_report")
