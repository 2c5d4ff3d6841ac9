"""The DataStore load of each resource: status, progress and the reason of a failure.

Revision ID: f7a8b9c0d1e2
Revises: e1f2a3b4c5d6
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "f7a8b9c0d1e2"
down_revision = "e1f2a3b4c5d6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_datastore_load",
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("source", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("encoding", sa.UnicodeText),
        sa.Column("rows", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("bytes_read", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("bytes_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("error", sa.UnicodeText),
        sa.Column("error_params", sa.UnicodeText),
        sa.Column("queued", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("started", sa.DateTime),
        sa.Column("finished", sa.DateTime),
    )


def downgrade():
    op.drop_table("govopen_datastore_load")
