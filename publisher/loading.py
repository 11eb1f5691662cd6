"""Loading a CSV file into the registers and publishing what it changed: what `medreg import`, `medreg demo` and a
commission's upload page all run (models/imports loads; publisher/batch publishes the register entries)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, insert, text

from models.audit import AuditEntry
from models.base import utcnow
from models.imports import Import, ImportReport
from models.settings import Settings
from publisher import new_entries
from publisher.batch import publish_entries

BATCH_ROWS = 20_000


def trusted_keys(connection: Connection) -> Callable[[], AbstractContextManager[None]]:
    """A context for writing one batch without PostgreSQL's per-row foreign-key triggers, where the connection may
    (a superuser, or SET granted on session_replication_role); elsewhere a context that changes nothing.

    Every key a batch writes was just read from the database or inserted by the batch itself: the institutions
    the check step found, the persons and entries the writers read or inserted, the versions the publisher
    inserted — so the triggers would only check again, one index look-up and one row lock per key and row (a
    third to two thirds of PostgreSQL's time in a register import). Unique and not-null constraints are indexes
    and column checks, kept. The setting is local to the transaction and put back at the end of the batch, so
    nothing else in a caller's transaction (the upload page) runs without its triggers."""
    allowed = False
    if connection.dialect.name == "postgresql":
        run = connection.exec_driver_sql
        allowed = bool(run("SELECT current_setting('is_superuser') = 'on'").scalar())
        if not allowed and int(run("SHOW server_version_num").scalar() or 0) >= 150000:
            allowed = bool(run("SELECT has_parameter_privilege('session_replication_role', 'SET')").scalar())

    @contextmanager
    def checked() -> Iterator[None]:
        if not allowed:
            yield
            return
        was = connection.exec_driver_sql("SHOW session_replication_role").scalar()
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield
        connection.execute(text("SELECT set_config('session_replication_role', :was, true)"), {"was": was})

    return checked


def run_import(connection: Connection, settings: Settings, kind: str, rows: Iterable[tuple[int, dict[str, str]]], *,
               load_good_rows: bool = False, batch_rows: int = BATCH_ROWS, workers: int = 0,
               commit: Callable[[], None] | None = None, staged: Callable[[int], None] | None = None,
               written: Callable[[int, int], None] | None = None, actor: str | None = "command:medreg import") -> ImportReport:
    """Stage and check every row, then write batch by batch and publish what each batch changed.

    `commit` ends a transaction (after the stage, and after each batch); without it everything stays in the
    caller's transaction. `staged(n)` is told of rows read, `written(done, total)` of rows written. `actor` gets
    one audit entry for the run (None: the caller audits it, as the upload page does with the account)."""
    job = Import(connection, kind, settings.secret)
    job.stage(rows, workers, staged)
    job.check()
    if commit:
        commit()
    if load_good_rows or not job.report.refused:
        done = 0
        checked_keys = trusted_keys(connection)
        fresh = new_entries.applies(connection, job.register)
        for first, last, count in job.ranges(batch_rows):
            with checked_keys():
                if fresh:  # persons never seen: written and published in SQL (publisher/new_entries.py)
                    written_new = new_entries.write(connection, settings, job.register or "", first, last, job.today)
                    job.report.loaded += written_new
                    job.report.published += written_new
                    job.report.applied = True
                batch = job.rows_in(first, last)
                if batch:
                    changed = job.apply_batch(batch, count if job.reads_range else None)
                    if job.register and changed:
                        job.report.published += publish_entries(connection, settings, job.register, changed)
            if commit:
                commit()
                job.analyze_grown()
                commit()
            done += count
            if written:
                written(done, job.staged)
    job.drop_stage()
    if actor:
        # One audit entry per run (a register of millions of rows is not audited row by row).
        report = job.report
        connection.execute(insert(AuditEntry).values(
            at=utcnow(), actor=actor, action="import", target=f"register:{kind}", division_code=None,
            detail={"loaded": report.loaded, "refused": report.refused, "published": report.published, "applied": report.applied}))
    if commit:
        commit()
        job.analyze_grown()  # what the load wrote is planned with the right statistics from the first query on
        job.clean_gin_pending()
        commit()
    return job.report
