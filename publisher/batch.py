"""Publishing many register entries at once (`medreg import`): the same versions `publish_if_changed` makes one
at a time — built by the same record builders, filtered by the same allow-list, a new version only when what the
public sees changed — read and written with a few statements per thousands of entries.

Works on a Connection in the caller's transaction (one import batch). The feed lock is taken once per call, so
the versions of a batch get their feed positions together, in commit order like every other version.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, text, update

from models import (
    Commission,
    Delivery,
    Institution,
    NurseRegistration,
    Person,
    PhysicianPractice,
    PhysicianRegistration,
    PublicRecord,
    PublicVersion,
)
from models.base import utcnow
from models.db import insert_for
from models.imports.writers import FIRST_VERSION, among, insert_returning, insert_rows
from models.settings import Settings
from pipeline import clock
from publisher.allowlist import public_only, unchanged, with_status_since
from publisher.channels import channels_for
from publisher.disclosure import FEED_LOCK
from publisher.records import institution_record, nurse_body, physician_body

CHUNK = 20_000


def _table(model: Any) -> Table:
    return model.__table__


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _by_id(connection: Connection, model: Any, ids: Iterable[int], *columns: str) -> dict[int, Any]:
    table = _table(model)
    wanted = sorted(set(ids))
    found: dict[int, Any] = {}
    for chunk in _chunks(wanted):
        query = select(*(table.c[c] for c in columns)).where(among(connection, table.c[columns[0]], chunk))
        found.update((row[0], row) for row in connection.execute(query))
    return found


def _commission_names(connection: Connection) -> dict[str, str]:
    table = _table(Commission)
    return dict(connection.execute(select(table.c.division_code, table.c.name)).all())


# --- records, built from rows --------------------------------------------------------------------------------------

INSTITUTION_COLUMNS = ("id", "identifier", "name", "uscc", "type", "status", "division_code", "address", "beds",
                       "registered_by", "public_version")


def institution_records(connection: Connection, ids: Sequence[int]) -> list[tuple[int, int, dict]]:
    rows = _by_id(connection, Institution, ids, *INSTITUTION_COLUMNS)
    departments: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(rows)):
        for institution_id, department in connection.execute(
                text("SELECT institution_id, department FROM institution_departments WHERE institution_id IN :ids "
                     "ORDER BY institution_id, department").bindparams(bindparam("ids", expanding=True)), {"ids": list(chunk)}):
            departments[institution_id].append(department)
    names = _commission_names(connection)
    records = []
    for entry_id, row in rows.items():
        if not row.identifier:
            continue
        shown = SimpleNamespace(**row._asdict(), department_names=departments[entry_id])
        commission = SimpleNamespace(name=names[row.registered_by]) if row.registered_by in names else None
        records.append((entry_id, row.public_version, institution_record(shown, commission, 0)))
    return records


PHYSICIAN_COLUMNS = ("id", "identifier", "person_id", "status", "level", "category", "practice_category",
                     "practice_scopes", "institution_id", "commission_code", "registered_on", "valid_until", "public_version")


def physician_records(connection: Connection, ids: Sequence[int]) -> list[tuple[int, int, dict]]:
    entries = _by_id(connection, PhysicianRegistration, ids, *PHYSICIAN_COLUMNS)
    people = _by_id(connection, Person, (e.person_id for e in entries.values()), "id", "name", "sex")
    places: dict[int, list[Any]] = defaultdict(list)
    table = _table(PhysicianPractice)
    for chunk in _chunks(sorted(entries)):
        query = (select(table.c.registration_id, table.c.id, table.c.institution_id, table.c.main)
                 .where(among(connection, table.c.registration_id, chunk), table.c.until.is_(None)))
        for row in connection.execute(query):
            places[row.registration_id].append(row)
    wanted = {e.institution_id for e in entries.values()} | {p.institution_id for rows in places.values() for p in rows}
    institutions = _by_id(connection, Institution, wanted, "id", "name", "identifier", "division_code")
    names = _commission_names(connection)
    records = []
    for entry_id, entry in entries.items():
        if not entry.identifier:
            continue
        running = sorted(places[entry_id], key=lambda p: (not p.main, p.id))
        where = [(p.institution_id, p.main) for p in running] or [(entry.institution_id, True)]
        shown = [{"id": institutions[i].id, "name": institutions[i].name, "identifier": institutions[i].identifier,
                  "main": main} for i, main in where]
        body = physician_body(entry, people[entry.person_id], institutions[entry.institution_id].division_code, shown,
                              names.get(entry.commission_code, ""), 0)
        records.append((entry_id, entry.public_version, body))
    return records


NURSE_COLUMNS = ("id", "identifier", "person_id", "status", "institution_id", "department", "commission_code",
                 "registered_on", "valid_until", "public_version")


def nurse_records(connection: Connection, ids: Sequence[int]) -> list[tuple[int, int, dict]]:
    entries = _by_id(connection, NurseRegistration, ids, *NURSE_COLUMNS)
    people = _by_id(connection, Person, (e.person_id for e in entries.values()), "id", "name", "sex")
    institutions = _by_id(connection, Institution, (e.institution_id for e in entries.values()),
                          "id", "name", "identifier", "division_code")
    names = _commission_names(connection)
    return [(entry_id, entry.public_version,
             nurse_body(entry, people[entry.person_id], institutions[entry.institution_id],
                        names.get(entry.commission_code, ""), 0))
            for entry_id, entry in entries.items() if entry.identifier]


BUILDERS = {"institution": institution_records, "physician": physician_records, "nurse": nurse_records}
TABLES: dict[str, Any] = {"institution": Institution, "physician": PhysicianRegistration, "nurse": NurseRegistration}


# --- publishing ----------------------------------------------------------------------------------------------------


def publish_entries(connection: Connection, settings: Settings, register: str, ids: Sequence[int],
                    today: date | None = None) -> int:
    """Publish the entries (of `register`, by id) whose public record changed; how many got a new version.

    Entries in `ids.fresh` (models.imports.writers.Changed) were inserted by this transaction with public_version
    already FIRST_VERSION: they get that version and their rows are not updated.

    The current records are written first; the versions, whose ids the feed reads in order, last, under the feed
    lock held until the caller commits: a registration's publish stage, which takes that lock too, waits for the
    versions alone, not for the records of a whole import batch."""
    versions: list[dict] = []
    fresh: frozenset[int] = getattr(ids, "fresh", frozenset())
    now = utcnow()
    for chunk in _chunks(sorted(set(ids))):
        versions += _records(connection, register, chunk, today or clock.today(), fresh, now)
    if not versions:
        return 0
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    version_ids = [row.id for row in insert_returning(connection, _table(PublicVersion), [
        {"identifier": body["identifier"], "version": body["version"], "division": body["division"], "body": body,
         "published_at": now} for body in versions], "id")]
    _deliveries(connection, settings, list(zip(version_ids, versions, strict=True)), now)
    return len(versions)


def _records(connection: Connection, register: str, ids: Sequence[int], today: date, fresh: frozenset[int],
             now: Any) -> list[dict]:
    """Write the current record of each entry of `ids` whose public record changed; the bodies of their new
    versions."""
    records = BUILDERS[register](connection, ids)
    if not records:
        return []
    current_table = _table(PublicRecord)
    current: dict[str, Any] = {}
    identifiers = [record["identifier"] for _, _, record in records]
    for chunk in _chunks(identifiers):
        query = select(current_table.c.identifier, current_table.c.version, current_table.c.body).where(
            among(connection, current_table.c.identifier, chunk))
        current.update((row.identifier, row) for row in connection.execute(query))
    versions = []
    stored: dict[int, int] = {}
    for entry_id, public_version, record in records:
        held = current.get(record["identifier"])
        if held is not None and unchanged(held.body, {**record, "version": held.version}):
            continue
        stored[entry_id] = public_version
        if entry_id in fresh:
            public_version -= FIRST_VERSION  # inserted as already published: the version it was inserted for
        version = max(public_version, held.version if held else 0) + 1
        body = with_status_since(public_only({**record, "version": version}), held.body if held else None, today)
        versions.append((entry_id, body))
    if not versions:
        return []
    records_now = [
        {"identifier": body["identifier"], "kind": body["kind"], "name": body["name"], "division": body["division"],
         "institution_id": body["institution_id"] if body["kind"] == "institution" else body["institutions"][0]["id"],
         "uscc": body.get("uscc"), "status": body["status"], "version": body["version"], "body": body,
         "published_at": now} for _, body in versions]
    insert_rows(connection, current_table, [row for row in records_now if row["identifier"] not in current])
    changed = [row for row in records_now if row["identifier"] in current]
    if changed:
        insert = insert_for(connection, current_table)
        columns = ("kind", "name", "division", "institution_id", "uscc", "status", "version", "body", "published_at")
        connection.execute(insert.on_conflict_do_update(
            index_elements=["identifier"], set_={c: insert.excluded[c] for c in columns}), changed)
    entries = _table(TABLES[register])
    outdated = [{"id_": entry_id, "v_": body["version"]} for entry_id, body in versions if stored[entry_id] != body["version"]]
    if outdated:
        connection.execute(update(entries).where(entries.c.id == bindparam("id_")).values(public_version=bindparam("v_")),
                           outdated)
    return [body for _, body in versions]


def _deliveries(connection: Connection, settings: Settings, versions: list[tuple[int, dict]], now: Any) -> None:
    """One delivery per matching channel of each version, due at once and without a message: an import's
    deliveries are a backlog, which publisher/backlog.py drains."""
    if not settings.channels:
        return
    wanted = [{"version_id": version_id, "channel": channel.name, "next_attempt_at": now}
              for version_id, body in versions for channel in channels_for(settings.channels, body["division"])]
    if wanted:
        insert_rows(connection, _table(Delivery), wanted)


__all__ = ["publish_entries"]
