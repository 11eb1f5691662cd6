"""Open data: a full snapshot of the public registers and the changes since a cursor, as CSV and NDJSON.

The cursor is the feed's (public_versions.id): a snapshot taken at cursor C holds the newest version of
every record published up to C, and the changes file `since S` holds every version after S up to C, in
publication order, so a site that loaded a snapshot can follow with changes files or the feed.
`manifest.json` names the newest files and their cursors; the portal serves what the manifest lists.

At national scale (11 million records) the snapshot is one ordered read of public_records in a REPEATABLE READ
transaction — the cursor is the newest version that transaction sees, and public_records holds, in it, exactly the
newest version of every record up to that cursor — streamed from a server-side cursor in batches, each record's
stored JSON parsed once (orjson) and written to both files, with the files' SHA-256 computed as they are written.
Memory stays bounded by one batch.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Text, cast, func, select
from sqlalchemy import text as text_sql
from sqlalchemy.orm import Session

from models import PublicRecord, PublicVersion
from models.base import utcnow
from pipeline import clock
from pipeline.spreadsheet import safe_cell

CSV_COLUMNS = (
    "identifier", "kind", "version", "name", "sex", "status", "status_label", "status_since", "division",
    "institutions", "level", "qualification_category", "practice_category", "practice_scopes", "department",
    "uscc", "type", "address", "departments", "beds", "registering_authority", "registered_on", "valid_until",
)
CHANGE_COLUMNS = ("cursor", "published_at", *CSV_COLUMNS)
_EMPTY = ("",) * len(CSV_COLUMNS)  # what a field the record does not have is written as
MANIFEST = "manifest.json"
BATCH = 1000
STREAM_BATCH = 5000
NDJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(item["name"] if isinstance(item, dict) else str(item) for item in value)
    if isinstance(value, dict):
        return value.get("name", "")
    return str(value)


def csv_row(record: dict) -> dict[str, str]:
    """A record as a CSV row; text that a spreadsheet would run as a formula is neutralised (pipeline.spreadsheet)."""
    return {column: str(safe_cell(csv_value(record.get(column)))) for column in CSV_COLUMNS}


def csv_fields(record: dict) -> list[str]:
    """csv_row's values in CSV_COLUMNS order, the common case (a string) first: this runs 11 million times."""
    return [value if value.__class__ is str else csv_value(value) for value in map(record.get, CSV_COLUMNS, _EMPTY)]


def latest_cursor(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(PublicVersion.id), 0))) or 0)


def snapshot_bodies(connection: Connection) -> Iterator[dict]:
    """Every record's newest version as the connection's transaction sees public_records, by identifier: read
    through a server-side cursor, STREAM_BATCH rows at a time, the stored JSON text parsed once here."""
    rows = connection.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(
        select(cast(PublicRecord.body, Text)).order_by(PublicRecord.identifier))
    loads = orjson.loads
    for partition in prefetched(rows.partitions()):
        for (text,) in partition:
            yield loads(text)


def prefetched(batches: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """The batches, fetched by a thread of their own up to `depth` ahead: the database sends the next batch while
    this thread writes the last one (the driver lets go of the GIL while it waits)."""
    queue: Queue = Queue(maxsize=depth)
    done = object()

    def fetch() -> None:
        try:
            for batch in batches:
                queue.put(batch)
        except BaseException as error:  # handed to the consumer, raised there
            queue.put(error)
        queue.put(done)

    thread = threading.Thread(target=fetch, name="bulk-export-fetch", daemon=True)
    thread.start()
    while (item := queue.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


def versions_between(session: Session, since: int, until: int) -> Iterator[PublicVersion]:
    after = since
    while True:
        rows = session.scalars(
            select(PublicVersion).where(PublicVersion.id > after, PublicVersion.id <= until).order_by(PublicVersion.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


@dataclass(frozen=True)
class ExportResult:
    cursor: int
    files: list[str]
    records: int
    changes: int | None


class HashingFile:
    """A binary file that keeps the SHA-256 of what is written to it."""

    def __init__(self, path: str) -> None:
        self.handle = open(path, "wb")
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.handle.write(data)

    def close(self) -> None:
        self.handle.close()


def encode_rows(rows: Iterable[tuple[dict, list[str]]]) -> tuple[bytes, bytes, int]:
    """(NDJSON lines, CSV lines, how many) of rows (NDJSON object, CSV fields)."""
    lines: list[bytes] = []
    text = io.StringIO()
    writer = csv.writer(text)
    dumps = orjson.dumps
    for line, row in rows:
        lines.append(dumps(line, option=NDJSON_OPTIONS))
        writer.writerow(row)
    return b"".join(lines), text.getvalue().encode("utf-8"), len(lines)


def batched(rows: Iterable[Any], size: int = STREAM_BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_pair(out_dir: Path, stem: str, rows: Iterable[tuple[dict, list[str]]], columns: tuple[str, ...],
               advance: Callable[[int], None]) -> tuple[int, dict[str, str]]:
    """Write STEM.ndjson and STEM.csv together (one pass over the rows: (NDJSON object, CSV fields in `columns`
    order)); atomically, via temporary names. (rows written, {file name: SHA-256})."""
    return write_encoded(out_dir, stem, columns, (encode_rows(batch) for batch in batched(rows)), advance)


def write_encoded(out_dir: Path, stem: str, columns: tuple[str, ...], parts: Iterable[tuple[bytes, bytes, int]],
                  advance: Callable[[int], None]) -> tuple[int, dict[str, str]]:
    """write_pair from rows already encoded, part by part in order (encode_rows)."""
    ndjson_path, csv_path = out_dir / f"{stem}.ndjson", out_dir / f"{stem}.csv"
    ndjson, table = HashingFile(f"{ndjson_path}.part"), HashingFile(f"{csv_path}.part")
    count = 0
    try:
        header = io.StringIO()
        csv.writer(header).writerow(columns)
        table.write(("\ufeff" + header.getvalue()).encode("utf-8"))  # UTF-8 with BOM: spreadsheet programs read the Chinese
        for lines, table_lines, rows in parts:
            ndjson.write(lines)
            table.write(table_lines)
            count += rows
            advance(rows)
    finally:
        ndjson.close()
        table.close()
    os.replace(f"{ndjson_path}.part", ndjson_path)
    os.replace(f"{csv_path}.part", csv_path)
    return count, {ndjson_path.name: ndjson.digest.hexdigest(), csv_path.name: table.digest.hexdigest()}


# --- the snapshot on every core: worker processes share the export's snapshot (PostgreSQL) ---------------------------

PARALLEL_FROM = 200_000  # records; below, one process (starting workers would cost more than it saves)
RANGES_PER_WORKER = 200
_worker: Any = None  # a worker process's connection, in the export's snapshot


def _start_worker(dsn: str, snapshot: str) -> None:
    import psycopg

    global _worker
    _worker = psycopg.connect(dsn, autocommit=True)
    _worker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    _worker.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")


def _encode_range(bounds: tuple[str, str | None]) -> tuple[bytes, bytes, int]:
    low, high = bounds
    query = "SELECT body::text FROM public_records WHERE identifier > %s" + (" AND identifier <= %s" if high else "")
    rows = _worker.execute(query + " ORDER BY identifier", (low, high) if high else (low,)).fetchall()
    loads = orjson.loads
    return encode_rows((body, csv_fields(body)) for body in (loads(text) for (text,) in rows))


def identifier_ranges(connection: Connection, total: int, count: int) -> list[tuple[str, str | None]]:
    """About `count` ranges of identifiers (low, high] holding about as many records each, from a sample."""
    percent = min(100.0, max(0.01, 100.0 * count * 20 / max(total, 1)))
    sample = sorted(connection.scalars(text_sql(f"SELECT identifier FROM public_records TABLESAMPLE SYSTEM ({percent:.4f})")))
    step = max(1, len(sample) // count)
    bounds = sorted(set(sample[step::step]))
    lows = ["", *bounds]
    return [(low, high) for low, high in zip(lows, [*bounds, None], strict=True)]


def parallel_snapshot(connection: Connection, dsn: str, total: int, workers: int) -> Iterator[tuple[bytes, bytes, int]]:
    """The snapshot's records encoded by `workers` processes, range by range, in identifier order: a worker uses
    nothing of its parent but this module's two functions and the snapshot's name."""
    from models.processes import pool as worker_pool

    snapshot = str(connection.scalar(text_sql("SELECT pg_export_snapshot()")))
    if not re.fullmatch(r"[0-9A-F-]+", snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    ranges = identifier_ranges(connection, total, workers * RANGES_PER_WORKER)
    with worker_pool(workers, __name__, _start_worker, (dsn, snapshot)) as pool:
        yield from pool.imap(_encode_range, ranges)


def read_manifest(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export(session: Session, out_dir: Path, since: int | None,
           progress: Callable[[str, int], Callable[[int], None]]) -> ExportResult:
    """Write the snapshot at the newest cursor, and the changes since `since` if given.

    `progress(description, total)` returns the function to call with the number of rows written, as they are."""
    out_dir.mkdir(parents=True, exist_ok=True)
    bind = session.get_bind()
    # A connection of its own, in one REPEATABLE READ transaction (PostgreSQL): the cursor and the rows agree.
    own = bind.connect() if isinstance(bind, Engine) else None
    snapshot = own if own is not None else session.connection()
    try:
        if own is not None and own.dialect.name == "postgresql":
            snapshot = own.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with snapshot.begin() if own is not None else nullcontext():
            cursor = int(snapshot.scalar(select(func.coalesce(func.max(PublicVersion.id), 0))) or 0)
            total = snapshot.scalar(select(func.count()).select_from(PublicRecord)) or 0
            full_stem = f"public-full-{cursor}"
            workers = os.cpu_count() or 1
            if own is not None and own.dialect.name == "postgresql" and total >= PARALLEL_FROM and workers > 1:
                dsn = own.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                parts = parallel_snapshot(snapshot, dsn, total, workers)
                records, digests = write_encoded(out_dir, full_stem, CSV_COLUMNS, parts, progress("全量快照", total))
            else:
                records, digests = write_pair(
                    out_dir, full_stem, ((body, csv_fields(body)) for body in snapshot_bodies(snapshot)), CSV_COLUMNS,
                    progress("全量快照", total),
                )
    finally:
        if own is not None:
            own.close()
    files = [f"{full_stem}.csv", f"{full_stem}.ndjson"]
    changes = None
    manifest: dict[str, Any] = {"cursor": cursor, "generated_at": clock.iso(utcnow()), "full": {"cursor": cursor, "records": records,
                "files": files[:]}}
    if since is not None:
        change_total = session.scalar(select(func.count()).where(PublicVersion.id > since, PublicVersion.id <= cursor)) or 0
        stem = f"public-changes-{since}-{cursor}"
        changes, change_digests = write_pair(
            out_dir,
            stem,
            (
                (
                    {"cursor": str(v.id), "published_at": clock.iso(v.published_at), "record": v.body},
                    [str(v.id), clock.iso(v.published_at), *csv_fields(v.body)],
                )
                for v in versions_between(session, since, cursor)
            ),
            CHANGE_COLUMNS,
            progress("增量文件", change_total),
        )
        digests.update(change_digests)
        manifest["changes"] = {"since": since, "cursor": cursor, "versions": changes, "files": [f"{stem}.csv", f"{stem}.ndjson"]}
        files += manifest["changes"]["files"]
    manifest["sha256"] = {name: digests[name] for name in files}
    (out_dir / f"{MANIFEST}.part").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(out_dir / f"{MANIFEST}.part", out_dir / MANIFEST)
    return ExportResult(cursor, files, records, changes)


def listed_files(out_dir: Path) -> list[dict]:
    """The files the newest manifest names, with sizes: what the portal offers for download."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        return []
    shown = []
    for part in ("full", "changes"):
        if part not in manifest:
            continue
        for name in manifest[part]["files"]:
            path = out_dir / name
            if path.is_file():
                shown.append({"name": name, "part": part, "cursor": manifest[part]["cursor"], "size": path.stat().st_size,
                              "sha256": manifest.get("sha256", {}).get(name, ""),
                              "since": manifest[part].get("since")})
    return shown
