"""Category change history: who changed an open or share category, when, from, to, why.

Revision ID: a1c0d2e4f601
Revises:
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "a1c0d2e4f601"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_category_change",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("field", sa.UnicodeText, nullable=False),
        sa.Column("old_value", sa.UnicodeText),
        sa.Column("new_value", sa.UnicodeText, nullable=False),
        sa.Column("reason", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("source", sa.UnicodeText, nullable=False, server_default="portal"),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("govopen_category_change_package_idx", "govopen_category_change",
                    ["package_id", "created"])


def downgrade():
    op.drop_index("govopen_category_change_package_idx", table_name="govopen_category_change")
    op.drop_table("govopen_category_change")
