"""Alembic environment for govopen: its own version table, only govopen_* tables."""
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from ckan.model.meta import metadata

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)

VERSION_TABLE = "govopen_alembic_version"


def _ours(obj, name, type_, reflected, compare_to):
    return type_ != "table" or name.startswith("govopen_")


def _configure(**kw):
    context.configure(target_metadata=metadata, version_table=VERSION_TABLE,
                      include_object=_ours, **kw)


if context.is_offline_mode():
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
