import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from models import Base
from models.migrate import COMPARE_OPTIONS, next_revision_id

config = context.config
if config.config_file_name is not None:  # the root alembic.ini: its logging sections
    fileConfig(config.config_file_name)
target_metadata = Base.metadata


def database_url() -> str:
    """The ini's sqlalchemy.url (set by models.migrate), else MEDREG_DATABASE_URL (`alembic` with the root alembic.ini)."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("MEDREG_DATABASE_URL")
    if not url:
        raise SystemExit("MEDREG_DATABASE_URL is not set: the database to migrate or to compare the models with")
    return url


def number_revision(migration_context, revision, directives) -> None:
    """Revisions are numbered 0001, 0002, …: a random Alembic id (`alembic revision` without --rev-id) gets the next number."""
    for script in directives:
        if not script.rev_id.isdigit():
            script.rev_id = next_revision_id(context.script)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    section = {**config.get_section(config.config_ini_section, {}), "sqlalchemy.url": database_url()}
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        process_revision_directives=number_revision,
        **COMPARE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
