"""Shared fixtures. The database and Solr are the real ones named in test.ini."""
import pytest

from tests.requests_support import portal  # noqa: F401  (the request tests' city, as a fixture)


MIGRATED_PLUGINS = ("activity", "harvest", "govopen")


def empty_audit_trail() -> None:
    """Delete every request (its events, grants and outbox rows go by cascade) in a transaction
    that says so: the database refuses these deletions otherwise (migration e5a6). Row by row,
    so CKAN's reset, which deletes from every table it knows, then finds them empty."""
    import sqlalchemy as sa
    from sqlalchemy.orm import close_all_sessions

    from ckan import model

    close_all_sessions()  # as CKAN's reset does: no test's transaction left holding these rows
    if model.Session.execute(sa.text("SELECT to_regclass('govopen_request')")).scalar() is not None:
        model.Session.execute(sa.text("SET LOCAL govopen.allow_delete = 'on'"))
        model.Session.execute(sa.text("DELETE FROM govopen_request"))
        if model.Session.execute(sa.text("SELECT to_regclass('govopen_security_event')")).scalar() is not None:
            model.Session.execute(sa.text("DELETE FROM govopen_security_event"))
    model.Session.commit()
    model.Session.remove()


@pytest.fixture(scope="session")
def reset_db(reset_db):
    """CKAN's reset (for every fixture that uses it), after emptying the audit trail."""
    def reset() -> None:
        empty_audit_trail()
        reset_db()
    return reset


def reset_and_migrate(reset_db) -> None:
    """An empty database with every table of the plugins we run with (plugins loaded)."""
    from ckan.cli.db import _run_migrations

    reset_db()
    for plugin in MIGRATED_PLUGINS:
        _run_migrations(plugin)


@pytest.fixture
def clean_db(with_plugins, reset_db):
    """CKAN's reset drops plugin tables: re-create those of the plugins we run with.

    Plugin migrations need the plugins loaded, hence `with_plugins` first.
    """
    reset_and_migrate(reset_db)
