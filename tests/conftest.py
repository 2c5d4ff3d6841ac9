"""Shared fixtures. The database and Solr are the real ones named in test.ini."""
import pytest

from tests.requests_support import portal  # noqa: F401  (the request tests' city, as a fixture)


MIGRATED_PLUGINS = ("activity", "harvest", "govopen")


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
