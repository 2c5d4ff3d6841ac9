"""The security audit log: append-only security events (logins, failures, lockouts, tokens).

Revision ID: b9c0d1e2f3a4
Revises: a8b9c0d1e2f3
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "b9c0d1e2f3a4"
down_revision = "a8b9c0d1e2f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govopen_security_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("subject", sa.UnicodeText),
        sa.Column("address", sa.UnicodeText),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_govopen_security_event_created", "govopen_security_event", ["created"])
    op.create_index("ix_govopen_security_event_kind", "govopen_security_event", ["kind"])
    op.create_index("ix_govopen_security_event_user_id", "govopen_security_event", ["user_id"])
    op.execute("""
        CREATE OR REPLACE FUNCTION govopen_security_event_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'govopen_security_event is append-only' USING ERRCODE = 'insufficient_privilege'; END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER govopen_security_event_no_change BEFORE UPDATE ON govopen_security_event
        FOR EACH ROW EXECUTE FUNCTION govopen_security_event_append_only()
    """)
    # govopen_refuse_delete() comes from e5a6: deletion only after SET LOCAL govopen.allow_delete = 'on'.
    op.execute("""
        CREATE TRIGGER govopen_security_event_no_delete BEFORE DELETE ON govopen_security_event
        FOR EACH ROW EXECUTE FUNCTION govopen_refuse_delete()
    """)
    op.execute("""
        CREATE TRIGGER govopen_security_event_no_truncate BEFORE TRUNCATE ON govopen_security_event
        FOR EACH STATEMENT EXECUTE FUNCTION govopen_refuse_delete()
    """)


def downgrade():
    op.drop_table("govopen_security_event")
    op.execute("DROP FUNCTION IF EXISTS govopen_security_event_append_only()")
