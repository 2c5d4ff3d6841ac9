"""Catalogue codes unique per origin portal by a constraint, and the import jobs of the upload page.

Before this revision the code's uniqueness was only a check before insert: two simultaneous
creates of one code could both pass it. A partial unique index on (origin portal, code) over
the entries that are not deleted makes the database refuse the second one.

Entries that predate the origin field get this portal's site id (what the schema writes on
every save since), so the constraint covers them too. Existing duplicates stop the upgrade
with the codes named: they must be resolved by hand (delete or recode one of each pair).

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "e1f2a3b4c5d6"
down_revision = "d0e1f2a3b4c5"
branch_labels = None
depends_on = None

_LIVE = "state <> 'deleted' AND extras ? 'catalogue_code'"


def upgrade():
    from ckan.common import config

    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE package SET extras = extras || jsonb_build_object('origin_portal', CAST(:site AS text)) "
        f"WHERE {_LIVE} AND coalesce(extras ->> 'origin_portal', '') = ''"), {"site": config["ckan.site_id"]})
    dupes = bind.execute(sa.text(
        "SELECT extras ->> 'origin_portal', extras ->> 'catalogue_code', count(*) FROM package "
        f"WHERE {_LIVE} GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 20")).fetchall()
    if dupes:
        listed = "; ".join(f"{origin} {code} ({n} entries)" for origin, code, n in dupes)
        raise RuntimeError("govopen: catalogue codes used by more than one live entry of the same "
                           f"origin; resolve them before upgrading: {listed}")
    op.execute("CREATE UNIQUE INDEX govopen_package_origin_code_key ON package "
               f"((extras ->> 'origin_portal'), (extras ->> 'catalogue_code')) WHERE {_LIVE}")

    op.create_table(
        "govopen_catalogue_import",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner_org", sa.UnicodeText, sa.ForeignKey("group.id", ondelete="CASCADE")),
        sa.Column("filename", sa.UnicodeText, nullable=False),
        # The uploaded file, kept until the job has read it.
        sa.Column("content", sa.LargeBinary),
        sa.Column("valid_rows_only", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="queued"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("report", sa.UnicodeText),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("finished", sa.DateTime),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="govopen_catalogue_import_status"),
    )
    op.create_index("govopen_catalogue_import_user_idx", "govopen_catalogue_import", ["user_id"])
    op.create_index("govopen_catalogue_import_org_idx", "govopen_catalogue_import", ["owner_org"])


def downgrade():
    op.drop_table("govopen_catalogue_import")
    op.execute("DROP INDEX IF EXISTS govopen_package_origin_code_key")
