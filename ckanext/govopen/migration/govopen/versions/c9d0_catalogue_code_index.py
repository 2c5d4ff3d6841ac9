"""Index the catalogue code (an expression index on CKAN's package extras): every create and
update checks that no other live entry of the same origin has the code, and without an index
that check read every dataset (6.5 ms at 10,000 datasets, growing with the catalogue; an upper
tier aggregates many cities).

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-04
"""
from alembic import op

revision = "c9d0e1f2a3b4"
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX IF NOT EXISTS govopen_package_catalogue_code_idx ON package ((extras ->> 'catalogue_code'))")


def downgrade():
    op.execute("DROP INDEX IF EXISTS govopen_package_catalogue_code_idx")
