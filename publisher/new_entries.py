"""The new entries of a register import, written and published by set-based SQL (PostgreSQL).

On a first national load nearly every row of a register file is an institution or a person the register has never
seen. For those rows the person, the entry with its identifier, its practice or departments, its history row, its
first public version, its current public record and its deliveries (due at once, drained by publisher/backlog.py)
are each one `INSERT … SELECT` from the import's stage: a dozen statements per batch whatever its size. No row's
values pass through Python; only its row number and registering division do, for the identifier's serial and check
character (models/imports/writers.issue, as on every path).

Every other row (a person already on record, a changed entry) takes the general path: models/imports/writers.py
writes it and publisher/batch.py publishes it with the record builders of publisher/records.py. The bodies built
here in SQL must equal what those builders make, with `status_since` as the publisher stamps it:
tests/functional/publisher/test_new_entries.py loads the same file both ways and compares every row written.

The caller runs `write` inside the batch's transaction; the rows it wrote are removed from the stage, so the
general path sees only the rest.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Connection, text

from models.base import Base, utcnow
from models.imports.writers import FIRST_VERSION, IMPORTED, IMPORTER, INSTITUTION_IMPORTED, dumps, issue, next_id
from models.settings import Settings
from pipeline.codes import default_scope_map
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from pipeline.registers.physicians import STATUS_LABELS as PHYSICIAN_STATUS_LABELS
from publisher.disclosure import FEED_LOCK

REGISTERS = frozenset({"institution", "physician", "nurse"})
ENTRY_TABLES = {"institution": "institutions", "physician": "physician_registrations", "nurse": "nurse_registrations"}


def applies(connection: Connection, register: str | None) -> bool:
    return register in REGISTERS and connection.dialect.name == "postgresql"


# --- JSON text, compact and in the builders' key order ---------------------------------------------------------


def json_object(*pairs: tuple[str, str]) -> str:
    """SQL for the text of a JSON object with these keys in this order, each value an SQL expression giving JSON
    (`to_json(x)`, another json_object, a literal): written as orjson writes the general path's bodies, without
    the spaces json_build_object puts in, because the public record is answered as stored."""
    parts = []
    for index, (key, value) in enumerate(pairs):
        opening = "," if index else "{"
        parts.append(f"'{opening}\"{key}\":' || coalesce(CAST(({value}) AS TEXT), 'null')")
    return "(" + " || ".join(parts) + " || '}')"


def _scopes(column: str) -> str:
    return f"to_json(string_to_array({column}, ';'))"


def _institutions() -> str:
    """The `institutions` of a person's record: the entry's one (main) institution."""
    return "'[' || " + json_object(("id", "to_json(f.institution_id)"), ("name", "to_json(f.institution_name)"),
                                   ("identifier", "to_json(f.institution_identifier)"), ("main", "'true'")) + " || ']'"


def _authority() -> str:
    return json_object(("division", "to_json(f.registered_by)"), ("name", "to_json(f.commission_name)"))


def physician_body() -> str:
    """publisher.records.physician_body of a new entry (status registered, no valid_until), then status_since."""
    return json_object(
        ("identifier", "to_json(f.identifier)"), ("kind", "'\"physician\"'"), ("version", str(FIRST_VERSION)),
        ("name", "to_json(f.name)"), ("sex", "to_json(f.sex)"), ("status", "to_json(f.status)"),
        ("status_label", "to_json(f.status_label)"), ("division", "to_json(f.division)"), ("level", "to_json(f.level)"),
        ("qualification_category", "to_json(f.category)"), ("practice_category", "to_json(f.practice_category)"),
        ("practice_scopes", _scopes("f.practice_scopes")), ("institutions", _institutions()),
        ("registering_authority", _authority()), ("registered_on", "to_json(f.registered_on)"),
        ("status_since", "to_json(f.registered_on)"))


def institution_body() -> str:
    """publisher.records.institution_record of a new institution, then status_since (the day it was published, as
    publisher.allowlist.with_status_since stamps a record without registered_on)."""
    departments = ("(SELECT to_json(array_agg(d.department ORDER BY d.department)) FROM institution_departments d "
                   "WHERE d.institution_id = f.entry_id)")
    return json_object(
        ("identifier", "to_json(f.identifier)"), ("kind", "'\"institution\"'"), ("version", str(FIRST_VERSION)),
        ("institution_id", "to_json(f.entry_id)"), ("name", "to_json(f.name)"), ("uscc", "to_json(f.uscc)"),
        ("type", "to_json(f.type)"), ("status", "to_json(f.status)"), ("division", "to_json(f.division)"),
        ("address", "to_json(f.address_)"), ("departments", departments), ("beds", "to_json(f.beds_)"),
        ("registering_authority", _authority()), ("status_since", "to_json(CAST(:today AS TEXT))"))


def nurse_body() -> str:
    """publisher.records.nurse_body of a new entry, then status_since."""
    return json_object(
        ("identifier", "to_json(f.identifier)"), ("kind", "'\"nurse\"'"), ("version", str(FIRST_VERSION)),
        ("name", "to_json(f.name)"), ("sex", "to_json(f.sex)"), ("status", "to_json(f.status)"),
        ("status_label", "to_json(f.status_label)"), ("division", "to_json(f.division)"),
        ("department", "to_json(NULLIF(f.department, ''))"), ("institutions", _institutions()),
        ("registering_authority", _authority()), ("registered_on", "to_json(f.registered_on)"),
        ("valid_until", "to_json(f.valid_until)"), ("status_since", "to_json(f.registered_on)"))


# --- one batch ---------------------------------------------------------------------------------------------------


Numbered = list[tuple[int, str]]  # (row number, identifier) of each new row of a batch


def number(connection: Connection, register: str, first: int, last: int, today: date) -> Numbered:
    """The stage rows `first`..`last` whose institution or person is not on record, each with its identifier: the
    serials are taken here, in the caller's transaction (models/imports/writers.issue)."""
    keys = connection.execute(text(
        f"SELECT s.rn, s.registered_by FROM import_stage s WHERE s.rn BETWEEN :first AND :last AND NOT EXISTS ({KNOWN[register]}) "
        "ORDER BY s.rn"), {"first": first, "last": last}).all()
    identifiers = issue(connection, register, [division for _, division in keys], today.year)
    return [(rn, identifier) for (rn, _), identifier in zip(keys, identifiers, strict=True)]


def write(connection: Connection, settings: Settings, register: str, first: int, last: int, today: date,
          numbered: Numbered | None = None) -> int:
    """Write and publish the stage rows `first`..`last` whose institution or person is not on record (`numbered`:
    as `number` found them, with their identifiers; by default found now); remove them from the stage. How many
    rows that was (each made one entry and one public version)."""
    if numbered is None:
        numbered = number(connection, register, first, last, today)
    if not numbered:
        return 0
    _fresh(connection, register, numbered, today)
    now = utcnow()
    values = {"now": now, "today": today, "profession": register, "event": IMPORTED, "actor": IMPORTER}
    for statement, defaults in ROWS[register]():
        connection.execute(text(statement), {**values, **defaults})
    connection.execute(text("DELETE FROM import_stage s USING import_fresh f WHERE s.rn = f.rn"))
    _publish(connection, settings, register, now, today)  # last: it takes the feed lock, held until the commit
    return len(numbered)


# Whether a stage row `s` is already on record (then the general path takes it).
KNOWN = {
    "institution": "SELECT 1 FROM institutions i WHERE i.uscc = s.uscc",
    "physician": "SELECT 1 FROM persons p WHERE p.id_number_hash = s.id_hash",
    "nurse": "SELECT 1 FROM persons p WHERE p.id_number_hash = s.id_hash",
}


def _fresh(connection: Connection, register: str, numbered: Numbered, today: date) -> None:
    """import_fresh: each new row's stage values, its identifier, the ids its rows will have, its institution and
    commission, as one temporary table the inserts read."""
    run = connection.exec_driver_sql
    for table in ("import_new", "import_fresh"):
        run(f"DROP TABLE IF EXISTS pg_temp.{table}")
    run("CREATE TEMPORARY TABLE import_new (rn INTEGER PRIMARY KEY, identifier TEXT)")
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy("COPY import_new (rn, identifier) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in numbered:
            copy.write_row(row)
    person = register != "institution"
    # The version ids are taken by _publish, under the feed lock.
    ids = (f"{next_id(connection, 'persons')} AS person_id, " if person else "") + (
        f"{next_id(connection, ENTRY_TABLES[register])} AS entry_id, "
        "CAST(NULL AS BIGINT) AS version_id")
    # The ids are taken in row order, as the general path takes them.
    connection.execute(text(
        f"CREATE TEMPORARY TABLE import_fresh AS SELECT *, {ids} FROM (SELECT n.identifier, s.*, {FRESH[register]()}, "
        "coalesce(c.name, '') AS commission_name FROM import_new n JOIN import_stage s USING (rn) "
        f"{'JOIN institutions i ON i.uscc = s.institution_uscc ' if person else ''}"
        "LEFT JOIN commissions c ON c.division_code = s.registered_by ORDER BY n.rn) AS ordered"), {"today": today})


def _labelled(status: str, labels: dict[str, str]) -> str:
    label = "CASE " + " ".join(f"WHEN {status} = '{key}' THEN '{value}'" for key, value in labels.items()) + " END"
    return f"{status} AS status, {label} AS status_label"


def _institution_fresh() -> str:
    """An institution row's cleaned values as the general path writes them (blank optional columns: "" and 0)."""
    return ("CAST('operating' AS TEXT) AS status, s.division_code AS division, coalesce(s.address, '') AS address_, "
            "coalesce(CAST(s.beds AS INTEGER), 0) AS beds_, coalesce(s.legal_rep, '') AS legal_rep_, "
            "coalesce(s.principal, '') AS principal_, coalesce(s.phone, '') AS phone_")


def _person_fresh(labels: dict[str, str], status: str) -> Any:
    def columns() -> str:
        return (f"{_labelled(status, labels)}, i.id AS institution_id, i.name AS institution_name, "
                "i.identifier AS institution_identifier, i.division_code AS division")
    return columns


FRESH = {
    "institution": _institution_fresh,
    "physician": _person_fresh(PHYSICIAN_STATUS_LABELS, "CAST('registered' AS TEXT)"),
    "nurse": _person_fresh(NURSE_STATUS_LABELS,
                           "CASE WHEN CAST(s.valid_until AS DATE) >= :today THEN 'registered' ELSE 'expired' END"),
}


def _insert(table: str, columns: dict[str, str], order: str = "f.rn") -> tuple[str, dict[str, Any]]:
    """INSERT INTO `table` the `columns` (name → SQL of import_fresh `f`) of every new row, and every other column
    with a default in the model its default, as the general path's insert_rows fills them in."""
    model = Base.metadata.tables[table]
    defaults = {c.key: c.default.arg for c in model.columns  # type: ignore[attr-defined]
                if c.default is not None and c.key != "id" and c.key not in columns}
    values = dict(columns)
    params: dict[str, Any] = {}
    for name, arg in defaults.items():
        value = arg(None) if callable(arg) else arg
        if isinstance(model.c[name].type, JSON):
            params[f"default_{name}"] = dumps(value)
            values[name] = f"CAST(:default_{name} AS JSON)"
        else:
            params[f"default_{name}"] = value
            values[name] = f":default_{name}"
    return (f"INSERT INTO {table} ({', '.join(values)}) SELECT {', '.join(values.values())} FROM import_fresh f "
            f"ORDER BY {order}", params)


def _person() -> tuple[str, dict[str, Any]]:
    return _insert("persons", {
        "id": "f.person_id", "profession": ":profession", "name": "f.name", "sex": "f.sex",
        "birth_date": "CAST(f.birth_date AS DATE)", "id_type": "'resident_id'", "id_number_encrypted": "f.id_encrypted",
        "id_number_hash": "f.id_hash", "mobile": "''", "institution_id": "f.institution_id", "created_at": ":now"})


def _issued(register: str) -> tuple[str, dict[str, Any]]:
    return _insert("issued_identifiers", {"value": "f.identifier", "entry_type": f"'{register}'", "entry_id": "f.entry_id",
                                          "issued_at": ":now"})


def institution_rows() -> list[tuple[str, dict[str, Any]]]:
    departments = "FROM import_fresh f CROSS JOIN LATERAL unnest(string_to_array(f.departments, ';')) AS d(department)"
    return [
        _insert("institutions", {
            "id": "f.entry_id", "uscc": "f.uscc", "name": "f.name", "type": "f.type", "division_code": "f.division_code",
            "registered_by": "f.registered_by", "address": "f.address_", "beds": "f.beds_", "legal_rep": "f.legal_rep_",
            "principal": "f.principal_", "phone": "f.phone_", "identifier": "f.identifier", "status": "f.status",
            "public_version": str(FIRST_VERSION)}),
        _issued("institution"),
        (f"INSERT INTO institution_departments (institution_id, department) SELECT f.entry_id, d.department {departments}", {}),
        # The history's import event, as the general path writes it (models/imports/writers.changed_online reads it).
        _insert("institution_events", {"institution_id": "f.entry_id", "at": ":now", "actor": ":actor",
                                       "action": f"'{INSTITUTION_IMPORTED}'", "text": ":event", "detail": "CAST('{}' AS JSON)"}),
        # Each department starts from the default scope map (pipeline.codes.default_scope_map), as set_departments does.
        ("INSERT INTO department_scopes (institution_id, department, scope) SELECT f.entry_id, d.department, m.scope "
         f"{departments} JOIN (SELECT * FROM unnest(CAST(:map_departments AS TEXT[]), CAST(:map_scopes AS TEXT[]))) "
         "AS m(department, scope) ON m.department = d.department ORDER BY f.rn, m.scope ON CONFLICT DO NOTHING",
         _scope_map()),
    ]


def _scope_map() -> dict[str, list[str]]:
    pairs = sorted((department, scope) for department, scopes in default_scope_map().items() for scope in scopes)
    return {"map_departments": [d for d, _ in pairs], "map_scopes": [s for _, s in pairs]}


def physician_rows() -> list[tuple[str, dict[str, Any]]]:
    changes = json_object(
        ("institution", "'[null,' || to_json(f.institution_name) || ']'"),
        ("practice_category", "'[null,' || to_json(f.practice_category) || ']'"),
        ("practice_scopes", f"'[null,' || {_scopes('f.practice_scopes')} || ']'"))
    return [
        _person(),
        _insert("physician_registrations", {
            "id": "f.entry_id", "person_id": "f.person_id", "certificate_no": "f.certificate_no", "level": "f.level",
            "category": "f.category", "practice_category": "f.practice_category",
            "practice_scopes": f"CAST({_scopes('f.practice_scopes')} AS JSON)", "institution_id": "f.institution_id",
            "commission_code": "f.registered_by", "status": "f.status", "identifier": "f.identifier",
            "registered_on": "CAST(f.registered_on AS DATE)", "public_version": str(FIRST_VERSION), "updated_at": ":now"}),
        _issued("physician"),
        _insert("physician_practices", {"registration_id": "f.entry_id", "institution_id": "f.institution_id",
                                        "main": "TRUE", "since": "CAST(f.registered_on AS DATE)"}),
        _insert("physician_registration_events", {
            "registration_id": "f.entry_id", "at": ":now", "event": ":event", "actor": ":actor", "from_status": "NULL",
            "to_status": "f.status", "changes": f"CAST({changes} AS JSON)"}),
    ]


def nurse_rows() -> list[tuple[str, dict[str, Any]]]:
    return [
        _person(),
        _insert("nurse_registrations", {
            "id": "f.entry_id", "person_id": "f.person_id", "certificate_no": "f.certificate_no",
            "passed_year": "CAST(f.passed_year AS INTEGER)", "institution_id": "f.institution_id",
            "department": "f.department", "commission_code": "f.registered_by", "status": "f.status",
            "identifier": "f.identifier", "registered_on": "CAST(f.registered_on AS DATE)",
            "valid_until": "CAST(f.valid_until AS DATE)", "public_version": str(FIRST_VERSION), "updated_at": ":now"}),
        _issued("nurse"),
        _insert("nurse_registration_events", {
            "registration_id": "f.entry_id", "at": ":now", "event": ":event", "actor": ":actor", "from_status": "NULL",
            "to_status": "f.status", "valid_until": "CAST(f.valid_until AS DATE)",
            "comment": "'执业机构：' || coalesce(f.institution_name, '') || '，科室：' || f.department"}),
    ]


ROWS = {"institution": institution_rows, "physician": physician_rows, "nurse": nurse_rows}
BODIES = {"institution": institution_body, "physician": physician_body, "nurse": nurse_body}


def _publish(connection: Connection, settings: Settings, register: str, now: Any, today: date) -> None:
    """Version 1 of every new entry, its current record, and a delivery per channel."""
    run = connection.execute
    institution = "f.entry_id" if register == "institution" else "f.institution_id"
    uscc = "f.uscc" if register == "institution" else "NULL"
    # The current records, with the bodies built, before the feed lock: that is most of the batch's publishing.
    run(text(
        "INSERT INTO public_records (identifier, kind, name, division, institution_id, uscc, status, version, body, "
        f"published_at) SELECT f.identifier, :register, f.name, f.division, {institution}, {uscc}, f.status, "
        f"{FIRST_VERSION}, CAST({BODIES[register]()} AS JSON), :now FROM import_fresh f ORDER BY f.identifier"),
        {"now": now, "register": register, "today": today.isoformat()})
    # The feed reads versions by id and must never see a smaller id commit after a larger one: the ids are taken
    # under the feed lock, held until this batch commits, as publisher/batch.py and the publish stage take theirs.
    # Only the versions and deliveries are written under it, so a registration's publish stage waits for them
    # alone, not for a whole import batch.
    run(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    run(text(f"UPDATE import_fresh f SET version_id = v.id FROM (SELECT rn, {next_id(connection, 'public_versions')} "
             "AS id FROM (SELECT rn FROM import_fresh ORDER BY rn) AS o) AS v WHERE f.rn = v.rn"))
    run(text(
        "INSERT INTO public_versions (id, identifier, version, division, body, published_at) "
        f"SELECT f.version_id, f.identifier, {FIRST_VERSION}, f.division, r.body, :now "
        "FROM import_fresh f JOIN public_records r ON r.identifier = f.identifier ORDER BY f.version_id"), {"now": now})
    # The deliveries wait due now, without a message each: the backlog's lanes push them (publisher/backlog.py).
    for channel in settings.channels:
        run(text(
            "INSERT INTO deliveries (version_id, channel, status, attempts, last_error, next_attempt_at) "
            "SELECT f.version_id, :channel, 'pending', 0, '', :now FROM import_fresh f "
            # publisher.channels.channels_for: a division under the channel's prefix ("" takes everything)
            "WHERE left(f.division, length(:prefix)) = :prefix ORDER BY f.version_id"),
            {"channel": channel.name, "prefix": channel.prefix, "now": now})


__all__ = ["Numbered", "applies", "number", "write"]
