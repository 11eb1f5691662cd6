"""Open data: a full snapshot of the public registers and the changes since a cursor, as CSV and NDJSON.

The cursor is the feed's (public_versions.id): a snapshot taken at cursor C holds the newest version of
every record published up to C, and the changes file `since S` holds every version after S up to C, in
publication order, so a site that loaded a snapshot can follow with changes files or the feed.
`manifest.json` names the newest files and their cursors; the portal serves what the manifest lists.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import PublicVersion
from models.base import utcnow
from pipeline.spreadsheet import safe_cell

CSV_COLUMNS = (
    "identifier", "kind", "version", "name", "sex", "status", "status_label", "status_since", "division",
    "institutions", "level", "qualification_category", "practice_category", "practice_scopes", "department",
    "uscc", "type", "address", "departments", "beds", "registering_authority", "registered_on", "valid_until",
)
CHANGE_COLUMNS = ("cursor", "published_at", *CSV_COLUMNS)
MANIFEST = "manifest.json"
BATCH = 1000


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


def latest_cursor(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(PublicVersion.id), 0))) or 0)


def newest_versions(session: Session, until: int) -> Iterator[PublicVersion]:
    """The newest version of every record as of `until`, by identifier, read in batches."""
    newest = (
        select(PublicVersion.identifier, func.max(PublicVersion.version).label("version"))
        .where(PublicVersion.id <= until)
        .group_by(PublicVersion.identifier)
        .subquery()
    )
    after = ""
    while True:
        rows = session.scalars(
            select(PublicVersion)
            .join(newest, (PublicVersion.identifier == newest.c.identifier) & (PublicVersion.version == newest.c.version))
            .where(PublicVersion.identifier > after)
            .order_by(PublicVersion.identifier)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].identifier


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


def write_pair(out_dir: Path, stem: str, rows: Iterable[tuple[dict, dict[str, str]]], columns: tuple[str, ...],
               advance: Callable[[], None]) -> int:
    """Write STEM.ndjson and STEM.csv together (one pass over the rows); atomically, via temporary names."""
    ndjson_path, csv_path = out_dir / f"{stem}.ndjson", out_dir / f"{stem}.csv"
    count = 0
    with (open(f"{ndjson_path}.part", "w", encoding="utf-8") as ndjson,
          open(f"{csv_path}.part", "w", encoding="utf-8-sig", newline="") as table):
        writer = csv.DictWriter(table, fieldnames=columns)
        writer.writeheader()
        for line, row in rows:
            ndjson.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            writer.writerow(row)
            count += 1
            advance()
    os.replace(f"{ndjson_path}.part", ndjson_path)
    os.replace(f"{csv_path}.part", csv_path)
    return count


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


def export(session: Session, out_dir: Path, since: int | None, progress: Callable[[str, int], Callable[[], None]]) -> ExportResult:
    """Write the snapshot at the newest cursor, and the changes since `since` if given.

    `progress(description, total)` returns the function to call once per row written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    cursor = latest_cursor(session)
    total = session.scalar(
        select(func.count(func.distinct(PublicVersion.identifier))).where(PublicVersion.id <= cursor)
    ) or 0
    full_stem = f"public-full-{cursor}"
    records = write_pair(
        out_dir, full_stem, ((v.body, csv_row(v.body)) for v in newest_versions(session, cursor)), CSV_COLUMNS,
        progress("全量快照", total),
    )
    files = [f"{full_stem}.csv", f"{full_stem}.ndjson"]
    changes = None
    manifest: dict[str, Any] = {"cursor": cursor, "generated_at": utcnow().isoformat(), "full": {"cursor": cursor, "records": records,
                "files": files[:]}}
    if since is not None:
        change_total = session.scalar(select(func.count()).where(PublicVersion.id > since, PublicVersion.id <= cursor)) or 0
        stem = f"public-changes-{since}-{cursor}"
        changes = write_pair(
            out_dir,
            stem,
            (
                (
                    {"cursor": str(v.id), "published_at": v.published_at.isoformat(), "record": v.body},
                    {"cursor": str(v.id), "published_at": v.published_at.isoformat(), **csv_row(v.body)},
                )
                for v in versions_between(session, since, cursor)
            ),
            CHANGE_COLUMNS,
            progress("增量文件", change_total),
        )
        manifest["changes"] = {"since": since, "cursor": cursor, "versions": changes, "files": [f"{stem}.csv", f"{stem}.ndjson"]}
        files += manifest["changes"]["files"]
    manifest["sha256"] = {name: sha256_of(out_dir / name) for name in files}
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
