"""Alembic, driven from code: `medreg init-db`, `medreg db …` and the test fixtures call these.

Revisions are append-only and numbered 0001, 0002, … (file `NNNN_slug.py` in models/migrations/versions);
`revision` autogenerates the next one from the difference between the models and a database at head.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import create_engine, pool

# What autogenerate compares, in env.py (so `medreg db revision` sees it) and in the test that the
# migrations build exactly the models (tests/functional/test_migrations.py).
COMPARE_OPTIONS = {"compare_type": True, "compare_server_default": True}


def alembic_config(database_url: str, versions: Path | None = None) -> Config:
    """`versions`: another folder of revision files than models/migrations/versions (the tests use a copy)."""
    config = Config()
    config.set_main_option("script_location", "models:migrations")
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if versions is not None:
        config.set_main_option("version_locations", str(versions).replace("%", "%%"))
    return config


def upgrade(database_url: str, versions: Path | None = None) -> None:
    command.upgrade(alembic_config(database_url, versions), "head")


def next_revision_id(script: ScriptDirectory) -> str:
    """The number after the highest numbered revision, as four digits: "0002" after "0001"."""
    numbers = [int(each.revision) for each in script.walk_revisions() if each.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def current(database_url: str) -> tuple[str, ...]:
    """The revisions the database is at (none when Alembic has never run on it)."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()


def head(versions: Path | None = None) -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://", versions)).get_heads())


@dataclass(frozen=True)
class NewRevision:
    revision: str
    path: Path
    empty: bool  # the models and the database agreed: upgrade() and downgrade() are `pass`


def revision(database_url: str, message: str, versions: Path | None = None) -> NewRevision:
    """Upgrade the database to head, then write the next revision: what the models have that it lacks."""
    config = alembic_config(database_url, versions)
    command.upgrade(config, "head")
    seen: list[bool] = []

    def note_empty(context, revision, directives) -> None:
        seen.append(all(ops.is_empty() for each in directives for ops in each.upgrade_ops_list))

    rev_id = next_revision_id(ScriptDirectory.from_config(config))
    script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id, process_revision_directives=note_empty)
    if not isinstance(script, Script):
        raise RuntimeError("alembic wrote no single revision")
    return NewRevision(revision=script.revision, path=Path(script.path), empty=all(seen))
