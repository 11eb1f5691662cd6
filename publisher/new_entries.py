"""The new entries of a register import, written and published by set-based SQL (PostgreSQL).

On a first national load nearly every row of a register file is a person the register has never seen. For those
rows the person, the entry with its identifier, its practice, its history row, its first public version, its
current public record and its deliveries are each one `INSERT … SELECT` from the import's stage: a dozen
statements per batch whatever its size. No row's values pass through Python; only its row number and registering
division do, for the identifier's serial and check character (models/imports/writers.issue, as on every path).

Every other row (a person already on record, a changed entry) takes the general path: models/imports/writers.py
writes it and publisher/batch.py publishes it with the record builders of publisher/records.py. The bodies built
here in SQL must equal what those builders make, with `status_since` as the publisher stamps it:
tests/functional/publisher/test_new_entries.py loads the same file both ways and compares every row written.

The caller runs `write` inside the batch's transaction; the rows it wrote are removed from the stage, so the
general path sees only the rest.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from models.base import utcnow
from models.imports.writers import FIRST_VERSION, IMPORTED, IMPORTER, issue
from models.settings import Settings
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from pipeline.registers.physicians import STATUS_LABELS as PHYSICIAN_STATUS_LABELS
from publisher.disclosure import DELIVER, FEED_LOCK, FIRST_ATTEMPT_LEASE

REGISTERS = frozenset({"physician", "nurse"})
ENTRY_TABLES = {"physician": "physician_registrations", "nurse": "nurse_registrations"}


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


def write(connection: Connection, settings: Settings, register: str, first: int, last: int, today: date) -> int:
    """Write and publish the stage rows `first`..`last` whose person is not on record; remove them from the stage.
    How many rows that was (each made one entry and one public version)."""
    run = connection.execute
    keys = run(text(
        "SELECT s.rn, s.registered_by FROM import_stage s WHERE s.rn BETWEEN :first AND :last "
        "AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id_number_hash = s.id_hash) ORDER BY s.rn"),
        {"first": first, "last": last}).all()
    if not keys:
        return 0
    _number(connection, register, keys, today)
    now = utcnow()
    values = {"now": now, "today": today, "profession": register, "event": IMPORTED, "actor": IMPORTER}
    for statement in PERSON_ROWS[register]():
        run(text(statement), values)
    _publish(connection, settings, register, now)
    run(text("DELETE FROM import_stage s USING import_fresh f WHERE s.rn = f.rn"))
    return len(keys)


def _number(connection: Connection, register: str, keys: Sequence[Any], today: date) -> None:
    """import_fresh: each new row's stage values, its identifier, the ids its rows will have, its institution and
    commission, as one temporary table the inserts read."""
    identifiers = issue(connection, register, [division for _, division in keys], today.year)
    run = connection.exec_driver_sql
    for table in ("import_new", "import_fresh"):
        run(f"DROP TABLE IF EXISTS pg_temp.{table}")
    run("CREATE TEMPORARY TABLE import_new (rn INTEGER PRIMARY KEY, identifier TEXT)")
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy("COPY import_new (rn, identifier) FROM STDIN") as copy:  # type: ignore[union-attr]
        for (rn, _), identifier in zip(keys, identifiers, strict=True):
            copy.write_row((rn, identifier))
    labels = PHYSICIAN_STATUS_LABELS if register == "physician" else NURSE_STATUS_LABELS
    status = ("CAST('registered' AS TEXT)" if register == "physician"
              else "CASE WHEN CAST(s.valid_until AS DATE) >= :today THEN 'registered' ELSE 'expired' END")
    label = "CASE " + " ".join(f"WHEN {status} = '{key}' THEN '{value}'" for key, value in labels.items()) + " END"
    # The ids are taken in row order, as the general path takes them.
    connection.execute(text(
        "CREATE TEMPORARY TABLE import_fresh AS SELECT *, nextval(pg_get_serial_sequence('persons', 'id')) AS person_id, "
        f"nextval(pg_get_serial_sequence('{ENTRY_TABLES[register]}', 'id')) AS entry_id, "
        "nextval(pg_get_serial_sequence('public_versions', 'id')) AS version_id FROM ("
        f"SELECT n.identifier, s.*, {status} AS status, {label} AS status_label, "
        "i.id AS institution_id, i.name AS institution_name, i.identifier AS institution_identifier, "
        "i.division_code AS division, coalesce(c.name, '') AS commission_name "
        "FROM import_new n JOIN import_stage s USING (rn) JOIN institutions i ON i.uscc = s.institution_uscc "
        "LEFT JOIN commissions c ON c.division_code = s.registered_by ORDER BY n.rn) AS ordered"), {"today": today})


def _person() -> str:
    return ("INSERT INTO persons (id, profession, name, sex, birth_date, id_type, id_number_encrypted, id_number_hash, "
            "mobile, institution_id, created_at) SELECT f.person_id, :profession, f.name, f.sex, CAST(f.birth_date AS DATE), "
            "'resident_id', f.id_encrypted, f.id_hash, '', f.institution_id, :now FROM import_fresh f ORDER BY f.rn")


def _issued(register: str) -> str:
    return (f"INSERT INTO issued_identifiers (value, entry_type, entry_id, issued_at) SELECT f.identifier, '{register}', "
            "f.entry_id, :now FROM import_fresh f ORDER BY f.rn")


def physician_rows() -> list[str]:
    changes = json_object(
        ("institution", "'[null,' || to_json(f.institution_name) || ']'"),
        ("practice_category", "'[null,' || to_json(f.practice_category) || ']'"),
        ("practice_scopes", f"'[null,' || {_scopes('f.practice_scopes')} || ']'"))
    return [
        _person(),
        "INSERT INTO physician_registrations (id, person_id, certificate_no, level, category, practice_category, "
        "practice_scopes, institution_id, commission_code, status, status_reason, identifier, registered_on, "
        "public_version, updated_at) SELECT f.entry_id, f.person_id, f.certificate_no, f.level, f.category, "
        f"f.practice_category, CAST({_scopes('f.practice_scopes')} AS JSON), f.institution_id, f.registered_by, f.status, '', "
        f"f.identifier, CAST(f.registered_on AS DATE), {FIRST_VERSION}, :now FROM import_fresh f ORDER BY f.rn",
        _issued("physician"),
        "INSERT INTO physician_practices (registration_id, institution_id, main, since) "
        "SELECT f.entry_id, f.institution_id, TRUE, CAST(f.registered_on AS DATE) FROM import_fresh f ORDER BY f.rn",
        "INSERT INTO physician_registration_events (registration_id, at, event, actor, from_status, to_status, changes, "
        f"comment) SELECT f.entry_id, :now, :event, :actor, NULL, f.status, CAST({changes} AS JSON), '' "
        "FROM import_fresh f ORDER BY f.rn",
    ]


def nurse_rows() -> list[str]:
    return [
        _person(),
        "INSERT INTO nurse_registrations (id, person_id, certificate_no, passed_year, institution_id, department, "
        "commission_code, status, identifier, registered_on, valid_until, expiry_notices, public_version, updated_at) "
        "SELECT f.entry_id, f.person_id, f.certificate_no, CAST(f.passed_year AS INTEGER), f.institution_id, f.department, "
        "f.registered_by, f.status, f.identifier, CAST(f.registered_on AS DATE), CAST(f.valid_until AS DATE), "
        f"CAST('[]' AS JSON), {FIRST_VERSION}, :now FROM import_fresh f ORDER BY f.rn",
        _issued("nurse"),
        "INSERT INTO nurse_registration_events (registration_id, at, event, actor, from_status, to_status, valid_until, "
        "comment) SELECT f.entry_id, :now, :event, :actor, NULL, f.status, CAST(f.valid_until AS DATE), "
        "'执业机构：' || coalesce(f.institution_name, '') || '，科室：' || f.department FROM import_fresh f ORDER BY f.rn",
    ]


PERSON_ROWS = {"physician": physician_rows, "nurse": nurse_rows}
BODIES = {"physician": physician_body, "nurse": nurse_body}


def _publish(connection: Connection, settings: Settings, register: str, now: Any) -> None:
    """Version 1 of every new entry, its current record, and a delivery (with its outbox row) per channel."""
    run = connection.execute
    # The feed reads versions by id in commit order: taken once per batch, as publisher/batch.py does.
    run(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    run(text(
        "WITH v AS (INSERT INTO public_versions (id, identifier, version, division, body, published_at) "
        f"SELECT f.version_id, f.identifier, {FIRST_VERSION}, f.division, CAST({BODIES[register]()} AS JSON), :now "
        "FROM import_fresh f ORDER BY f.version_id RETURNING id, body) "
        "INSERT INTO public_records (identifier, kind, name, division, institution_id, uscc, status, version, body, "
        f"published_at) SELECT f.identifier, :register, f.name, f.division, f.institution_id, NULL, f.status, {FIRST_VERSION}, "
        "v.body, :now FROM v JOIN import_fresh f ON f.version_id = v.id ORDER BY f.identifier"),
        {"now": now, "register": register})
    for channel in settings.channels:
        run(text(
            "WITH d AS (INSERT INTO deliveries (version_id, channel, status, attempts, last_error, next_attempt_at) "
            "SELECT f.version_id, :channel, 'pending', 0, '', :due FROM import_fresh f "
            # publisher.channels.channels_for: a division under the channel's prefix ("" takes everything)
            "WHERE left(f.division, length(:prefix)) = :prefix ORDER BY f.version_id RETURNING id) "
            "INSERT INTO outbox (task, payload, created_at) "
            "SELECT :task, CAST('{\"delivery_id\":' || d.id || '}' AS JSON), :now FROM d ORDER BY d.id"),
            {"channel": channel.name, "prefix": channel.prefix, "due": now + FIRST_ATTEMPT_LEASE, "task": DELIVER, "now": now})


__all__ = ["applies", "write"]
