"""The new entries of a register import are written in SQL (publisher/new_entries.py) and every other row by the
general path (models/imports/writers.py, publisher/batch.py). Loaded both ways from the same files into two
databases, every row either path writes must be the same: the persons, the entries with their identifiers, the
practices, the histories, the public versions and records (byte for byte, as the record is answered as stored),
the deliveries and the messages that start pushing them. Batches applied on two connections at once (`--workers 2`) write the
same, but for the order identifiers and ids were handed out in."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

import publisher.new_entries
from models.crypto import decrypt
from models.db import engine_for
from pipeline.identifiers import is_valid_identifier
from pipeline.imports import ORDER
from portal.cli import main
from tests.conftest import migrated_database

SECRET = "new-entries-test-secret"
CHANNELS = json.dumps([
    {"name": "national", "url": "http://127.0.0.1:9/national", "prefix": "", "secret": "s1"},
    {"name": "local", "url": "http://127.0.0.1:9/local", "prefix": "11", "secret": "s2"},
])

# Each table as natural keys and values, ids replaced by what they point at; times left out.
ROWS = {
    "institutions": "SELECT uscc, name, type, division_code, registered_by, address, beds, legal_rep, principal, phone, fax, "
                    "status, identifier, mobile, setup::text, next_verification_on, verification_state, public_version "
                    "FROM institutions",
    "institution_departments": "SELECT i.uscc, d.department FROM institution_departments d "
                               "JOIN institutions i ON i.id = d.institution_id",
    "department_scopes": "SELECT i.uscc, d.department, d.scope FROM department_scopes d JOIN institutions i ON i.id = d.institution_id",
    "persons": "SELECT p.id_number_hash, p.profession, p.name, p.sex, p.birth_date, p.id_type, p.mobile, i.uscc, "
               "p.id_number_encrypted FROM persons p LEFT JOIN institutions i ON i.id = p.institution_id",
    "physician_registrations":
        "SELECT r.identifier, p.id_number_hash, r.certificate_no, r.level, r.category, r.practice_category, "
        "r.practice_scopes::text, i.uscc, r.commission_code, r.status, r.status_reason, r.status_since, r.valid_until, "
        "r.registered_on, r.public_version FROM physician_registrations r JOIN persons p ON p.id = r.person_id "
        "JOIN institutions i ON i.id = r.institution_id",
    "nurse_registrations":
        "SELECT r.identifier, p.id_number_hash, r.certificate_no, r.passed_year, i.uscc, r.department, r.commission_code, "
        "r.status, r.registered_on, r.valid_until, r.expiry_notices::text, r.public_version FROM nurse_registrations r "
        "JOIN persons p ON p.id = r.person_id JOIN institutions i ON i.id = r.institution_id",
    "physician_practices":
        "SELECT r.identifier, i.uscc, x.main, x.since, x.until, x.application_id FROM physician_practices x "
        "JOIN physician_registrations r ON r.id = x.registration_id JOIN institutions i ON i.id = x.institution_id",
    "physician_registration_events":
        "SELECT r.identifier, e.event, e.actor, e.from_status, e.to_status, e.changes::text, e.comment, e.application_id "
        "FROM physician_registration_events e JOIN physician_registrations r ON r.id = e.registration_id",
    "nurse_registration_events":
        "SELECT r.identifier, e.event, e.actor, e.from_status, e.to_status, e.valid_until, e.comment, e.application_id "
        "FROM nurse_registration_events e JOIN nurse_registrations r ON r.id = e.registration_id",
    "institution_events": "SELECT i.uscc, e.actor, e.action, e.text, e.detail::text, e.application_id FROM institution_events e "
                          "JOIN institutions i ON i.id = e.institution_id",
    "issued_identifiers": "SELECT value, entry_type FROM issued_identifiers",
    "physician_qualifications": "SELECT certificate_no, name, id_number_hash, level, category, issued_on "
                                "FROM physician_qualifications",
    "nurse_exam_records": "SELECT certificate_no, name, id_number_hash, passed_year FROM nurse_exam_records",
    "assessment_results": "SELECT certificate_no, period, result, assessed_on, assessor FROM assessment_results",
    "identifier_serials": "SELECT kind, division_code, year, last FROM identifier_serials",
    "public_versions": "SELECT identifier, version, division, body::text FROM public_versions",
    "public_records": "SELECT identifier, kind, name, division, uscc, status, version, body::text, "
                      "(SELECT uscc FROM institutions i WHERE i.id = public_records.institution_id) FROM public_records",
    "deliveries": "SELECT v.identifier, d.channel, d.status, d.attempts, d.last_error, d.delivered_at, "
                  "d.next_attempt_at - v.published_at FROM deliveries d JOIN public_versions v ON v.id = d.version_id",
    # The deliveries wait due, without a message each; the import starts the backlog's lanes, one message a lane.
    "outbox": "SELECT o.task, o.payload::text, o.sent_at FROM outbox o",
    "delivery_lanes": "SELECT lane, generation, step, running FROM delivery_lanes",
}


def load_country(url, directory, *, new_entries_in_sql: bool = True, appliers: int = 0) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDREG_DATABASE_URL", url)
        if not new_entries_in_sql:
            patch.setattr(publisher.new_entries, "applies", lambda connection, register: False)
        for kind in ORDER:
            # Small batches: a batch's rows come from many divisions, and one division's serials span batches.
            argv = ["import", kind, str(directory / f"{kind}.csv"), "--batch-rows", "700", "--workers", str(appliers)]
            assert main(argv) == 0, kind


def table(url, name) -> list[tuple]:
    with engine_for(url).connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(ROWS[name]))]
    if name == "persons":  # encrypted with a random nonce: compare what it decrypts to
        rows = [(*row[:-1], decrypt(SECRET, row[-1])) for row in rows]
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory):
    directory = tmp_path_factory.mktemp("country")
    suffix = uuid.uuid4().hex[:10]
    with (pytest.MonkeyPatch.context() as patch, migrated_database(f"medreg_sql_{suffix}") as in_sql,
          migrated_database(f"medreg_general_{suffix}") as general,
          migrated_database(f"medreg_parallel_{suffix}") as in_parallel):
        patch.setenv("MEDREG_SECRET", SECRET)
        patch.setenv("MEDREG_CHANNELS", CHANNELS)
        assert main(["generate", "--out", str(directory), "--scale", "0.001", "--seed", "11"]) == 0
        load_country(in_sql, directory)
        load_country(general, directory, new_entries_in_sql=False)
        load_country(in_parallel, directory, appliers=2)
        yield in_sql, general, in_parallel, directory


@pytest.mark.parametrize("name", sorted(ROWS))
def test_new_entries_written_in_sql_equal_the_general_path(both_ways, name):
    in_sql, general, _, _ = both_ways
    written = table(in_sql, name)
    assert written, f"{name}: nothing written"
    assert written == table(general, name)


def counts(url) -> dict[str, int]:
    with engine_for(url).connect() as connection:
        return {name: connection.execute(text(f"SELECT count(*) FROM ({ROWS[name]}) AS rows")).scalar_one()
                for name in ROWS if name != "identifier_serials"}


def bodies(url) -> list[str]:
    """Every public body with what depends on the order batches committed in (identifiers, ids) left out."""
    def plain(body: dict) -> str:
        body = {key: value for key, value in body.items() if key not in ("identifier", "institution_id")}
        if "institutions" in body:
            body["institutions"] = [{"name": item["name"], "main": item["main"]} for item in body["institutions"]]
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    with engine_for(url).connect() as connection:
        return sorted(plain(json.loads(raw)) for (raw,) in connection.execute(text("SELECT body::text FROM public_versions")))


def test_batches_applied_on_two_connections_write_what_one_connection_writes(both_ways, capsys):
    in_sql, _, in_parallel, directory = both_ways
    assert counts(in_parallel) == counts(in_sql)
    assert bodies(in_parallel) == bodies(in_sql)
    with engine_for(in_parallel).connect() as connection:
        identifiers = connection.execute(text("SELECT value FROM issued_identifiers")).scalars().all()
        serials = connection.execute(text("SELECT sum(last) FROM identifier_serials")).scalar_one()
    assert len(identifiers) == len(set(identifiers)) == serials  # unique, and no serial skipped by a run that succeeded
    assert all(is_valid_identifier(value) for value in identifiers)

    # Loading the registers again the same way changes nothing.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDREG_DATABASE_URL", in_parallel)
        for kind in ("institutions", "physicians", "nurses"):
            assert main(["import", kind, str(directory / f"{kind}.csv"), "--batch-rows", "700", "--workers", "2"]) == 0
            assert "公示" not in capsys.readouterr().out
    assert counts(in_parallel) == counts(in_sql)


@pytest.mark.parametrize("way", ["one connection", "two connections"])
def test_a_load_leaves_full_statistics_for_what_it_wrote(both_ways, way):
    """Between batches the grown tables are analyzed on a small sample (enough to plan the next batch); after the
    last one, every table so analyzed gets full statistics, as the searches and lists that read it need (the
    default target: a histogram of 101 bounds for a unique column, not the load's 11)."""
    in_sql, _, in_parallel, _ = both_ways
    url = in_sql if way == "one connection" else in_parallel
    with engine_for(url).connect() as connection:
        bounds = dict(connection.execute(text(
            "SELECT tablename || '.' || attname, array_length(histogram_bounds, 1) FROM pg_stats WHERE schemaname = 'public' "
            "AND (tablename, attname) IN (('persons', 'id_number_hash'), ('public_records', 'identifier'), "
            "('physician_registrations', 'identifier'), ('nurse_registrations', 'identifier'), "
            "('public_versions', 'id'), ('physician_registration_events', 'id'))")).all())
    assert bounds == dict.fromkeys(["persons.id_number_hash", "public_records.identifier", "physician_registrations.identifier",
                                    "nurse_registrations.identifier", "public_versions.id", "physician_registration_events.id"], 101)
