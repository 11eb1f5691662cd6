"""Schema migrations: `medreg init-db` on an empty database builds exactly what the models describe, and
`medreg db revision` makes the next numbered revision from what differs (docs/operations.md, "Schema changes").

Each test has a PostgreSQL database of its own, made and dropped here, and runs the `medreg` command as a
subprocess, as a developer or a deployment would.
"""
from __future__ import annotations

import ast
import hashlib
import os
import pprint
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool, text

import models
from models.migrate import alembic_config
from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "models" / "migrations" / "versions"
# The comparison `medreg db revision` makes (models/migrations/env.py takes models.migrate.COMPARE_OPTIONS).
COMPARE = {"compare_type": True, "compare_server_default": True}


def medreg_command() -> list[str]:
    script = Path(sys.executable).with_name("medreg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "portal.cli"]


def medreg(database_url: str, *argv: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MEDREG_DATABASE_URL": database_url}
    return subprocess.run([*medreg_command(), *argv], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=180)


@pytest.fixture
def scratch_database():
    """An empty PostgreSQL database of this test's own."""
    name = f"medreg_migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def differences(database_url: str) -> list:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection, opts=COMPARE), models.Base.metadata)
    finally:
        engine.dispose()


def execute(database_url: str, *statements: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def script_directory(versions: Path | None = None) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://", versions))


def copy_of_versions(tmp_path: Path) -> Path:
    """The revision files in a folder of their own, so a generated revision never lands in the repository."""
    copy = tmp_path / "versions"
    copy.mkdir()
    for path in VERSIONS.glob("[0-9]*.py"):
        shutil.copy2(path, copy / path.name)
    return copy


def function_body(path: Path, name: str) -> list[ast.stmt]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return next(node.body for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name)


def repository_revisions() -> list[str]:
    return sorted(path.name for path in VERSIONS.iterdir())


# --- the revisions in the repository ------------------------------------------------------------


def test_init_db_on_an_empty_database_builds_exactly_the_models(scratch_database):
    done = medreg(scratch_database, "init-db")
    assert done.returncode == 0, done.stderr
    found = differences(scratch_database)
    assert not found, "the migrations and the models differ; write the next revision (medreg db revision -m …):\n" + "\n".join(
        pprint.pformat(each) for each in found
    )


def test_revisions_are_one_numbered_chain():
    script = script_directory()
    assert script.get_heads() == [script.get_current_head()], "more than one head: renumber the newer revision onto the other"
    chain = list(reversed(list(script.walk_revisions())))
    for number, revision in enumerate(chain, start=1):
        assert revision.revision == f"{number:04d}", f"{revision.path}: revision {revision.revision!r}, expected {number:04d}"
        assert revision.down_revision == (f"{number - 1:04d}" if number > 1 else None), revision.path
        assert Path(revision.path).name.startswith(f"{revision.revision}_"), revision.path


def test_the_initial_revision_is_frozen():
    # Databases in use were built by 0001 as it is: a schema change is a new revision, never an edit of an old one.
    digest = hashlib.sha256((VERSIONS / "0001_initial_schema.py").read_bytes()).hexdigest()
    assert digest == "138cf4f40bea582650c79e527994e6379de2324148a8fa265a855cbc35e7aa8a"


# --- medreg db ------------------------------------------------------------------------------------


def test_db_revision_is_empty_when_the_models_and_the_database_agree(scratch_database, tmp_path):
    before = repository_revisions()
    versions = copy_of_versions(tmp_path)
    head = script_directory(versions).get_current_head()
    expected = f"{int(head) + 1:04d}_test.py"

    behind = medreg(scratch_database, "db", "current")
    assert behind.returncode == 1 and "尚未迁移" in behind.stdout, behind.stdout + behind.stderr
    made = medreg(scratch_database, "db", "revision", "-m", "test", "--versions", str(versions))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "这个版本是空的" in made.stdout

    assert sorted(path.name for path in versions.glob("[0-9]*.py")) == sorted([*(path.name for path in VERSIONS.glob("[0-9]*.py")), expected])
    written = versions / expected
    for name in ("upgrade", "downgrade"):
        assert all(isinstance(statement, ast.Pass) for statement in function_body(written, name)), written.read_text(encoding="utf-8")
    assert script_directory(versions).get_revision(expected[:4]).down_revision == head
    assert repository_revisions() == before  # nothing written into the repository
    # The database was upgraded to head first; the empty revision itself is not applied.
    at_head = medreg(scratch_database, "db", "current")
    assert at_head.returncode == 0 and f"{head}（最新：{head}）" in at_head.stdout, at_head.stdout


def test_db_revision_writes_what_the_database_lacks_and_numbers_it_next(scratch_database, tmp_path):
    before = repository_revisions()
    versions = copy_of_versions(tmp_path)
    head = script_directory(versions).get_current_head()
    assert medreg(scratch_database, "db", "upgrade").returncode == 0
    # A database that drifted from the models: a table they do not have, a column of another type.
    execute(scratch_database, "CREATE TABLE scratch_extra (id integer)", "ALTER TABLE divisions ALTER COLUMN name TYPE text")

    made = medreg(scratch_database, "db", "revision", "-m", "bring back in line", "--versions", str(versions))
    assert made.returncode == 0, made.stdout + made.stderr
    written = versions / f"{int(head) + 1:04d}_bring_back_in_line.py"
    source = written.read_text(encoding="utf-8")
    assert "op.drop_table('scratch_extra')" in source
    assert "op.alter_column('divisions', 'name'" in source and "type_=sa.String(length=100)" in source, source
    assert repository_revisions() == before


def test_db_revision_wants_the_database_named(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "MEDREG_DATABASE_URL"}
    done = subprocess.run(
        [*medreg_command(), "db", "revision", "-m", "test", "--versions", str(copy_of_versions(tmp_path))],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "MEDREG_DATABASE_URL" in done.stderr
