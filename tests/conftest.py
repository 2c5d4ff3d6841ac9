"""Shared fixtures. The database and Solr are the real ones named in test.ini."""
import pytest


@pytest.fixture
def clean_db(with_plugins, reset_db, migrate_db_for):
    """CKAN's reset drops plugin tables: re-create those of the plugins we run with.

    Plugin migrations need the plugins loaded, hence `with_plugins` first.
    """
    reset_db()
    for plugin in ("activity", "harvest", "govopen"):
        migrate_db_for(plugin)
