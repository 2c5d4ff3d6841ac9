"""The models match the database the migrations make (what `ckan db check` compares): every
govopen table, column, index and foreign key, on govopen's tables and on CKAN's package table."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import ckan.model as model
import ckan.plugins.toolkit as tk

import ckanext.govopen.model  # noqa: F401 - the models register on CKAN's metadata

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _name(diff) -> str:
    """The table or index name a diff entry concerns."""
    for part in diff[1:] if isinstance(diff, tuple) else diff:
        if hasattr(part, "name") and part.name:
            table = getattr(part, "table", None)
            return f"{getattr(table, 'name', '')}.{part.name}"
        if isinstance(part, str):
            return part
    return repr(diff)


def _ours(diff) -> bool:
    entries = diff if isinstance(diff, list) else [diff]
    names = [_name(e) for e in entries]
    return any("govopen" in n and "alembic_version" not in n for n in names)


def test_models_match_the_migrated_database():
    with model.meta.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [d for d in compare_metadata(context, tk.BaseModel.metadata) if _ours(d)]
    assert diffs == [], "\n".join(map(repr, diffs))
