"""The audit trail outlives its dataset, and the database refuses to erase it.

Requests, grants and category changes no longer reference `package` by foreign key: the
cascade made `dataset_purge` erase every request about the dataset, its events, its grants and
its category history. The `package_id` columns stay, indexed, and keep a purged dataset's id.

Events, requests and grants refuse DELETE (row by row, so a cascade from a request to its events
and grants is refused too) and TRUNCATE. Requests and grants as well as events: an event means
little without the request it belongs to (what was asked, by whom, the decision and its legal
basis live on the request), and a grant is the record of what access was given, to whom, until
when; no code path of the portal deletes either (grants are revoked, identifiers are purged by
UPDATE after the retention period). Events keep refusing UPDATE, without exception.

A deliberate deletion -- tests emptying the tables, the bench undoing its own rows, an erasure a
court orders -- runs in a transaction that first says so:
`SET LOCAL govopen.allow_delete = 'on'`. This guards against the application (and an ORM
cascade) erasing the record, not against someone holding the database owner's role, who could
drop the trigger anyway.

Downgrade restores the foreign keys NOT VALID (rows of purged datasets are kept and not
checked; new rows are) and drops the triggers.

Revision ID: e5a6b7c8d9e0
Revises: d4f5a6b7c8d9
Create Date: 2026-12-04
"""
from alembic import op

revision = "e5a6b7c8d9e0"
down_revision = "d4f5a6b7c8d9"
branch_labels = None
depends_on = None

# Tables whose package_id referenced package(id) ON DELETE CASCADE (constraint names as
# PostgreSQL gave them in a1c0 and b2d1).
PACKAGE_FKS = ("govopen_request", "govopen_grant", "govopen_category_change")
KEPT = ("govopen_request_event", "govopen_request", "govopen_grant")


def upgrade():
    for table in PACKAGE_FKS:
        op.drop_constraint(f"{table}_package_id_fkey", table, type_="foreignkey")
    # govopen_request (govopen_request_package_idx) and govopen_category_change
    # (govopen_category_change_package_idx, package_id first) already have one.
    op.create_index("govopen_grant_package_idx", "govopen_grant", ["package_id"])

    op.execute("""
        CREATE OR REPLACE FUNCTION govopen_refuse_delete() RETURNS trigger AS $$
        BEGIN
            IF coalesce(current_setting('govopen.allow_delete', true), '') = 'on' THEN
                RETURN OLD;  -- NULL for TRUNCATE (statement level), where it is ignored
            END IF;
            RAISE EXCEPTION '% is an audit record: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'A deliberate deletion runs after SET LOCAL govopen.allow_delete = ''on''.';
        END $$ LANGUAGE plpgsql
    """)
    for table in KEPT:
        op.execute(f"""
            CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION govopen_refuse_delete()
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION govopen_refuse_delete()
        """)


def downgrade():
    for table in reversed(KEPT):
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_no_delete ON {table}")
    op.execute("DROP FUNCTION IF EXISTS govopen_refuse_delete()")

    op.drop_index("govopen_grant_package_idx", table_name="govopen_grant")
    for table in PACKAGE_FKS:
        op.execute(f"""
            ALTER TABLE {table} ADD CONSTRAINT {table}_package_id_fkey
            FOREIGN KEY (package_id) REFERENCES package (id) ON DELETE CASCADE NOT VALID
        """)
