"""Requests (applications, share requests, objections, corrections), their append-only
events, and the grants approvals create.

Revision ID: b2d1e3f40712
Revises: a1c0d2e4f601
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "b2d1e3f40712"
down_revision = "a1c0d2e4f601"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE SEQUENCE IF NOT EXISTS govopen_request_number_seq")
    op.create_table(
        "govopen_request",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("number", sa.Integer, nullable=False, unique=True,
                  server_default=sa.text("nextval('govopen_request_number_seq')")),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("package_id", sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner_org", sa.UnicodeText, nullable=False),
        sa.Column("resource_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False),
        sa.Column("applicant_org", sa.UnicodeText),
        sa.Column("applicant", JSONB, nullable=False, server_default="{}"),
        sa.Column("policy", sa.UnicodeText, nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("accept_due", sa.Date),
        sa.Column("pauses", JSONB, nullable=False, server_default="[]"),
        sa.Column("decision", JSONB, nullable=False, server_default="{}"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("closed", sa.DateTime),
    )
    op.create_index("govopen_request_org_due_idx", "govopen_request", ["owner_org", "status", "due"])
    op.create_index("govopen_request_user_idx", "govopen_request", ["user_id", "created"])
    op.create_index("govopen_request_package_idx", "govopen_request", ["package_id"])
    op.create_table(
        "govopen_request_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.UnicodeText, sa.ForeignKey("govopen_request.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("actor_id", sa.UnicodeText),
        sa.Column("action", sa.UnicodeText, nullable=False),
        sa.Column("from_status", sa.UnicodeText),
        sa.Column("to_status", sa.UnicodeText, nullable=False),
        sa.Column("note", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("govopen_request_event_request_idx", "govopen_request_event", ["request_id", "id"])
    # Events are append-only: the database refuses to change one. (Rows go only with their
    # request, when a dataset is purged, and when tests empty the tables.)
    op.execute("""
        CREATE OR REPLACE FUNCTION govopen_request_event_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'govopen_request_event is append-only'; END $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER govopen_request_event_no_change BEFORE UPDATE ON govopen_request_event
        FOR EACH ROW EXECUTE FUNCTION govopen_request_event_append_only()
    """)
    op.create_table(
        "govopen_grant",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("request_id", sa.UnicodeText, sa.ForeignKey("govopen_request.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("package_id", sa.UnicodeText, sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resource_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("holder_type", sa.UnicodeText, nullable=False),
        sa.Column("holder_id", sa.UnicodeText, nullable=False),
        sa.Column("conditions", sa.UnicodeText),
        sa.Column("expires", sa.DateTime, nullable=False),
        sa.Column("revoked", sa.DateTime),
        sa.Column("revoked_by", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("govopen_grant_holder_idx", "govopen_grant", ["holder_type", "holder_id"])


def downgrade():
    op.drop_table("govopen_grant")
    op.execute("DROP TRIGGER govopen_request_event_no_change ON govopen_request_event")
    op.execute("DROP FUNCTION IF EXISTS govopen_request_event_append_only()")
    op.drop_table("govopen_request_event")
    op.drop_table("govopen_request")
    op.execute("DROP SEQUENCE IF EXISTS govopen_request_number_seq")
