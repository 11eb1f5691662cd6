"""Loading a CSV file into the registers and publishing what it changed: what `medreg import`, `medreg demo` and a
commission's upload page all run (models/imports loads; publisher/batch publishes the register entries)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Connection, insert, text

from models.audit import AuditEntry
from models.base import utcnow
from models.imports import Import, ImportReport
from models.settings import Settings
from publisher import backlog, new_entries
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
    caller's transaction. `workers`: the processes that clean the rows and, with `commit`, the connections that
    write the batches (apply_in_parallel) when there is more than one batch. `staged(n)` is told of rows read,
    `written(done, total)` of rows written. `actor` gets one audit entry for the run (None: the caller audits it, as
    the upload page does with the account)."""
    job = Import(connection, kind, settings.secret)
    job.stage(rows, workers, staged)
    job.check()
    if commit:
        commit()
    if load_good_rows or not job.report.refused:
        ranges = job.ranges(batch_rows)
        if commit and workers > 1 and job.postgres and job.staged > batch_rows:
            apply_in_parallel(job, settings, ranges, workers, commit, written)
        else:
            done = 0
            checked_keys = trusted_keys(connection)
            for first, last, count in ranges:
                with checked_keys():
                    apply(job, settings, first, last, count)
                if commit:
                    commit()
                    job.analyze_grown(during_load=True)
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
            detail={"loaded": report.loaded, "refused": report.refused, "kept": report.kept, "published": report.published,
                    "applied": report.applied}))
    # The deliveries the load made are pushed by the backlog's lanes; beat's sweep would start them within seconds,
    # this starts them now (and a deployment without beat still delivers an import).
    backlog.start(connection)
    if commit:
        commit()
        job.analyze_grown()  # what the load wrote is planned with full statistics from the first query on
        job.clean_gin_pending()
        commit()
    return job.report


def apply(job: Import, settings: Settings, first: int, last: int, count: int,
          numbered: new_entries.Numbered | None = None) -> None:
    """Write and publish the stage rows `first`..`last` (`count` of them) of `job`, in its connection's transaction:
    new entries in SQL (publisher/new_entries.py), every other row by the general path."""
    connection = job.connection
    if new_entries.applies(connection, job.register):
        written_new = new_entries.write(connection, settings, job.register or "", first, last, job.today, numbered)
        job.report.loaded += written_new
        job.report.published += written_new
        job.report.applied = True
    batch = job.rows_in(first, last)
    if batch:
        changed = job.apply_batch(batch, count if job.reads_range else None)
        if job.register and changed:
            job.report.published += publish_entries(connection, settings, job.register, changed)
    job.publish_counts()


def apply_in_parallel(job: Import, settings: Settings, ranges: Iterable[tuple[int, int, int]], appliers: int,
                      commit: Callable[[], None], written: Callable[[int, int], None] | None) -> None:
    """Apply the batches of an import on `appliers` connections at once, each batch in its own transaction.

    PostgreSQL does a batch's work on one core; with the batches on two connections, both cores work. No two
    batches of a file share a key (the checks refused repeated keys), so they never wait for each other's rows.
    This connection keeps the checked stage and hands each batch out: it finds the batch's new rows and takes their
    serials in a transaction of its own, committed at once (so the appliers do not queue behind each other's serial
    rows until commit; a batch that then fails leaves its serials unused: the identifiers stay unique, a few
    serials are skipped), and copies the batch's stage rows to the applier (COPY out and in). The versions are
    still numbered in commit order: each applier takes the feed lock when it publishes, until it commits.

    An interrupted import keeps the batches its appliers committed, which need not be the first ones; running it
    again completes it, as in one connection."""
    import queue
    import threading

    engine = job.connection.engine
    todo: queue.Queue[Any] = queue.Queue()
    finished: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    parts: list[Import] = []

    def applier() -> None:
        try:
            with engine.connect() as own:
                part = Import(own, job.kind, settings.secret, today=job.today)
                parts.append(part)
                part.create_stage()
                own.commit()
                checked_keys = trusted_keys(own)
                while (item := todo.get()) is not None:
                    if stop.is_set():
                        continue
                    first, last, count, data, numbered = item
                    part.load_stage(data)
                    with checked_keys():
                        apply(part, settings, first, last, count, numbered)
                    own.commit()
                    part.clear_stage()
                    part.analyze_grown(during_load=True)
                    own.commit()
                    finished.put(count)
                part.drop_stage()
                own.commit()
        except BaseException as error:  # handed to the coordinating thread, which raises it
            stop.set()
            finished.put(error)

    threads = [threading.Thread(target=applier, name=f"import-applier-{n}", daemon=True) for n in range(appliers)]
    for thread in threads:
        thread.start()
    done = in_flight = 0
    errors: list[BaseException] = []

    def collect(block: bool) -> None:
        nonlocal done, in_flight
        while True:
            try:
                result = finished.get(timeout=0.5) if block else finished.get_nowait()
            except queue.Empty:
                return
            block = False
            if isinstance(result, BaseException):
                errors.append(result)
                continue
            in_flight -= 1
            done += result
            if written:
                written(done, job.staged)

    try:
        for first, last, count in ranges:
            while in_flight >= appliers and not errors:
                collect(block=True)
            if errors:
                break
            numbered = new_entries.number(job.connection, job.register or "", first, last, job.today) \
                if new_entries.applies(job.connection, job.register) else None
            commit()
            todo.put((first, last, count, job.stage_text(first, last), numbered))
            in_flight += 1
            collect(block=False)
    except BaseException:
        stop.set()
        raise
    finally:
        for _ in threads:
            todo.put(None)
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
                collect(block=False)
        collect(block=False)
        for part in parts:
            job.sketched |= part.sketched
            job.report.loaded += part.report.loaded
            job.report.keep(part.report.kept_rows)
            job.report.kept += part.report.kept - len(part.report.kept_rows)
            job.report.published += part.report.published
            job.report.applied = job.report.applied or part.report.applied
        job.report.kept_rows.sort()
    if errors:
        raise errors[0]
