"""Uses of each dataset per day: page views, downloads and API reads, counted by the server.

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "d0e1f2a3b4c5"
down_revision = "c9d0e1f2a3b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_usage_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("kind", sa.UnicodeText, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("kind IN ('view', 'download', 'api')", name="govopen_usage_day_kind"),
    )
    # The most-used entries of a period read by day first; a dataset's totals by dataset.
    op.create_index("govopen_usage_day_package_idx", "govopen_usage_day", ["package_id"])


def downgrade():
    op.drop_table("govopen_usage_day")
