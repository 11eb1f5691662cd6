"""Writing one batch of staged rows, per kind: set-based upserts that change only what differs.

Reference data (divisions, qualifications, exam records, assessment results) is one `INSERT … SELECT` from the
stage per table. Institutions and the two registers read what the batch's rows already have in one query per
table, decide in Python what is new or changed, and write each table with one multi-row statement; new entries
get their identifiers from serials taken once per (letter, division, year) for the whole batch.

A register row whose entry changed online since the import last loaded it (`changed_online`: its history holds an
event other than the import's own after the last of those) is left out first: it updates neither the entry nor its
person, and the writer returns its row number in `Changed.kept`.

Each writer returns the ids of the register entries it created or changed, for the caller to publish. New entries
go in with `public_version` already 1 (`FIRST_VERSION`), the version the caller publishes for them in the same
transaction: their ids are also listed in `Changed.fresh`, so publishing does not rewrite every new row (a second
tuple and index entries per row, and a dead tuple left behind) only to set it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import ARRAY, JSON, Connection, Table, any_, bindparam, column, select, table, text, update

from models.base import utcnow
from models.db import insert_for
from models.identifiers import IdentifierSerial, IssuedIdentifier
from models.persons import Person
from models.registers.institutions import DepartmentScope, Institution, InstitutionDepartment, InstitutionEvent
from models.registers.nurses import NurseRegistration, NurseRegistrationEvent
from models.registers.physicians import PhysicianPractice, PhysicianRegistration, PhysicianRegistrationEvent
from pipeline.codes import default_scope_map
from pipeline.identifiers import REGISTER_LETTERS, serial_identifiers

IMPORTER = "存量数据导入"
IMPORTED = "存量注册导入"
REIMPORTED = "存量注册更新"
# An institution's history (institution_events.action) of its imports: the same two, as actions.
INSTITUTION_IMPORTED = "import"
INSTITUTION_REIMPORTED = "reimport"
# Institution events that change nothing a legacy file carries: handing out the account (it sets the responsible
# person's mobile, which no file holds) follows nearly every import and does not make the entry the online record.
INSTITUTION_NEUTRAL = ("account_handout",)

FIRST_VERSION = 1


class Changed(list[int]):
    """The ids of the entries a batch created or changed; `fresh`: those it created (inserted with FIRST_VERSION);
    `kept`: the row numbers it did not apply, their entries having changed online since imported (changed_online)."""

    def __init__(self, ids: Iterable[int] = (), fresh: Iterable[int] = (), kept: Iterable[int] = ()) -> None:
        super().__init__(ids)
        self.fresh = frozenset(fresh)
        self.kept = sorted(kept)


Writer = Callable[[Connection, list[dict[str, Any]], date], list[int]]


def _table(model: Any) -> Table:
    return model.__table__


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def among(connection: Connection, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`: on PostgreSQL `= ANY(array)`, one parameter however many values."""
    if _postgres(connection):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def _distinct(connection: Connection, table: str, columns: Iterable[str]) -> str:
    operator = "IS DISTINCT FROM" if _postgres(connection) else "IS NOT"
    return " OR ".join(f"{table}.{column} {operator} EXCLUDED.{column}" for column in columns)


def _date(connection: Connection, column: str) -> str:
    return f"CAST({column} AS DATE)" if _postgres(connection) else column


def _range(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    return {"first": rows[0]["rn"], "last": rows[-1]["rn"]}


IN_BATCH = "s.rn BETWEEN :first AND :last"
STAGE = table("import_stage", column("rn"), column("id_hash"))


# --- entries changed online since imported -----------------------------------------------------------------------

# Per register: how a stage row `s` reaches its entry's history `e`, the column naming the event, and the events
# that are the import's own (written by the writers below and publisher/new_entries.py) or change nothing a file holds.
HISTORIES: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "institution": ("JOIN institutions i ON i.uscc = s.uscc JOIN institution_events e ON e.institution_id = i.id",
                    "e.action", (INSTITUTION_IMPORTED, INSTITUTION_REIMPORTED), INSTITUTION_NEUTRAL),
    "physician": ("JOIN persons p ON p.id_number_hash = s.id_hash JOIN physician_registrations r ON r.person_id = p.id "
                  "JOIN physician_registration_events e ON e.registration_id = r.id", "e.event", (IMPORTED, REIMPORTED), ()),
    "nurse": ("JOIN persons p ON p.id_number_hash = s.id_hash JOIN nurse_registrations r ON r.person_id = p.id "
              "JOIN nurse_registration_events e ON e.registration_id = r.id", "e.event", (IMPORTED, REIMPORTED), ()),
}


def changed_online(connection: Connection, register: str, rows: Sequence[dict[str, Any]]) -> set[int]:
    """The row numbers of the batch whose entry has changed since the import last loaded it from a file: its
    history holds an event other than the import's own after the last import event (an approval, counter business,
    a status change by expiry, a cancellation, an institution's own upkeep…), or, for an entry no import event
    records (online, or imported before institutions had import events), any such event at all. Such an entry is the
    online record now: a legacy row no longer updates it (the writers keep the row, the summary counts it).

    One statement for the batch, over the histories of its existing entries only: a row with no entry (a fresh
    load) joins nothing."""
    joins, column, imports, neutral = HISTORIES[register]
    names = {f"import_{n}": value for n, value in enumerate(imports)}
    ignored = {f"neutral_{n}": value for n, value in enumerate(neutral)}
    own = ", ".join(f":{name}" for name in names)
    not_business = ", ".join(f":{name}" for name in (*names, *ignored))
    return {rn for (rn,) in connection.execute(text(
        f"SELECT s.rn FROM import_stage s {joins} WHERE {IN_BATCH} GROUP BY s.rn "
        f"HAVING max(CASE WHEN {column} IN ({not_business}) THEN 0 ELSE e.id END) "
        f"> max(CASE WHEN {column} IN ({own}) THEN e.id ELSE 0 END)"), {**_range(rows), **names, **ignored})}


def _split_kept(connection: Connection, register: str, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """The batch's rows to apply, and the row numbers of those kept (changed_online)."""
    kept = changed_online(connection, register, rows)
    if not kept:
        return rows, []
    return [row for row in rows if row["rn"] not in kept], sorted(kept)


# --- reference data ---------------------------------------------------------------------------------------------


def divisions(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    connection.execute(text(
        f"INSERT INTO divisions (code, name, parent_code) SELECT s.code, s.name, s.parent_code FROM import_stage s "
        f"WHERE {IN_BATCH} ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code "
        f"WHERE {_distinct(connection, 'divisions', ('name', 'parent_code'))}"), _range(rows))
    # A placeholder division of GB/T 2260 (重庆市's 县, a municipality's 市辖区) names its commission with its parent's
    # name: a public record's 注册机关 "县卫生健康委员会" would tell nobody which one. The parent's name as this file
    # gives it, whether or not its batch is written yet (a child before its parent, small batches), else as stored:
    # a second run of the same file names it the same.
    placeholders = ", ".join(f"'{name}'" for name in PLACEHOLDER_DIVISIONS)
    parent_name = "coalesce((SELECT ps.name FROM import_stage ps WHERE ps.code = s.parent_code LIMIT 1), p.name, '')"
    connection.execute(text(
        "INSERT INTO commissions (division_code, name) SELECT s.code, "
        f"CASE WHEN s.name IN ({placeholders}) THEN {parent_name} || s.name ELSE s.name END || '卫生健康委员会' "
        f"FROM import_stage s LEFT JOIN divisions p ON p.code = s.parent_code WHERE {IN_BATCH} "
        "ON CONFLICT (division_code) DO UPDATE SET name = EXCLUDED.name "
        f"WHERE {_distinct(connection, 'commissions', ('name',))}"), _range(rows))
    return []


PLACEHOLDER_DIVISIONS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def qualifications(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    connection.execute(text(
        "INSERT INTO physician_qualifications (certificate_no, name, id_number_hash, level, category, issued_on) "
        f"SELECT s.certificate_no, s.name, s.id_hash, s.level, s.category, {_date(connection, 's.issued_on')} "
        f"FROM import_stage s WHERE {IN_BATCH} ON CONFLICT (certificate_no) DO UPDATE SET name = EXCLUDED.name, "
        "id_number_hash = EXCLUDED.id_number_hash, level = EXCLUDED.level, category = EXCLUDED.category, "
        "issued_on = EXCLUDED.issued_on WHERE "
        + _distinct(connection, "physician_qualifications", ("name", "id_number_hash", "level", "category", "issued_on"))),
        _range(rows))
    return []


def nurse_exams(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    connection.execute(text(
        "INSERT INTO nurse_exam_records (certificate_no, name, id_number_hash, passed_year) "
        f"SELECT s.certificate_no, s.name, s.id_hash, CAST(s.passed_year AS INTEGER) FROM import_stage s WHERE {IN_BATCH} "
        "ON CONFLICT (certificate_no) DO UPDATE SET name = EXCLUDED.name, id_number_hash = EXCLUDED.id_number_hash, "
        "passed_year = EXCLUDED.passed_year WHERE "
        + _distinct(connection, "nurse_exam_records", ("name", "id_number_hash", "passed_year"))), _range(rows))
    return []


def assessments(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    connection.execute(text(
        "INSERT INTO assessment_results (certificate_no, period, result, assessed_on, assessor, imported_at) "
        f"SELECT s.certificate_no, s.period, s.result, {_date(connection, 's.assessed_on')}, s.assessor, :now "
        f"FROM import_stage s WHERE {IN_BATCH} ON CONFLICT (certificate_no, period) DO UPDATE SET "
        "result = EXCLUDED.result, assessed_on = EXCLUDED.assessed_on, assessor = EXCLUDED.assessor, "
        "imported_at = EXCLUDED.imported_at WHERE "
        + _distinct(connection, "assessment_results", ("result", "assessed_on", "assessor"))),
        {**_range(rows), "now": utcnow()})
    return []


# --- identifiers ------------------------------------------------------------------------------------------------


def take_serials(connection: Connection, letter: str, wanted: dict[str, int], year: int) -> dict[str, int]:
    """division → the first of its `count` consecutive serials, for every division → count of `wanted`, all taken
    with one multi-row upsert. No advisory lock: the rows are locked in division order, so concurrent issuers
    queue behind each other and never collide or deadlock."""
    if not wanted:
        return {}
    if _postgres(connection):
        # Two array parameters, not a VALUES list of four parameters per division: SQLAlchemy compiling that
        # statement afresh for each batch (thousands of divisions) cost more than the batch's serials themselves.
        divisions = sorted(wanted)
        taken = connection.execute(text(
            "INSERT INTO identifier_serials (kind, division_code, year, last) "
            "SELECT :kind, w.division, :year, w.count "
            "FROM unnest(CAST(:divisions AS TEXT[]), CAST(:counts AS INTEGER[])) AS w(division, count) ORDER BY w.division "
            "ON CONFLICT (kind, division_code, year) DO UPDATE SET last = identifier_serials.last + EXCLUDED.last "
            "RETURNING division_code, last"),
            {"kind": letter, "year": year, "divisions": divisions, "counts": [wanted[d] for d in divisions]})
        return {division: int(last) - wanted[division] + 1 for division, last in taken}
    table = _table(IdentifierSerial)
    rows = [{"kind": letter, "division_code": division, "year": year, "last": count} for division, count in sorted(wanted.items())]
    statement = insert_for(connection, table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "division_code", "year"], set_={"last": table.c.last + statement.excluded.last}
    ).returning(table.c.division_code, table.c.last)
    return {division: int(last) - wanted[division] + 1 for division, last in connection.execute(statement)}


def issue(connection: Connection, register: str, divisions_of: Sequence[str], year: int) -> list[str]:
    """An identifier for each new entry, registered by the commission of `divisions_of[i]`."""
    wanted: dict[str, int] = defaultdict(int)
    for division in divisions_of:
        wanted[division] += 1
    first_serial = take_serials(connection, REGISTER_LETTERS[register], wanted, year)
    of_division = {division: iter(serial_identifiers(register, division, year, first_serial[division], count))
                   for division, count in wanted.items()}
    return [next(of_division[division]) for division in divisions_of]


def record_issued(connection: Connection, register: str, pairs: Iterable[tuple[str, int]]) -> None:
    now = utcnow()
    rows = [{"value": value, "entry_type": register, "entry_id": entry_id, "issued_at": now} for value, entry_id in pairs]
    insert_rows(connection, _table(IssuedIdentifier), rows)


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert new rows: COPY on PostgreSQL (Python-side column defaults filled in here), executemany elsewhere."""
    if not rows:
        return
    if not _postgres(connection):
        connection.execute(table.insert(), rows)
        return
    columns = [c for c in table.columns if c.key in rows[0] or (c.default is not None and c.key != "id")]
    defaults = {c.key: c.default.arg for c in columns if c.key not in rows[0] and c.default is not None}  # type: ignore[attr-defined]
    json_columns = {c.key for c in columns if isinstance(c.type, JSON)}
    raw = connection.connection.driver_connection
    names = ", ".join(c.name for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            values = []
            for c in columns:
                value = row[c.key] if c.key in row else _default(defaults[c.key])
                values.append(dumps(value) if c.key in json_columns else value)
            copy.write_row(values)


def dumps(value: Any) -> str:
    """JSON for a COPY row: UTF-8 as is (as json.dumps with ensure_ascii=False), three times faster."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _default(arg: Any) -> Any:
    """A column's Python-side default: a value, or SQLAlchemy's wrapped callable (which takes a context)."""
    if callable(arg):
        return arg(None)
    return arg


def next_id(connection: Connection, table: str) -> str:
    """SQL for the next id of `table` (PostgreSQL): nextval of its sequence, named here once. Written as
    `nextval(pg_get_serial_sequence(…))` in a statement, the name was looked up again for every row (4 % of
    PostgreSQL's time in a register import)."""
    name = connection.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}).scalar_one()
    return "nextval('" + name.replace("'", "''") + "')"


def insert_returning(connection: Connection, table: Table, rows: list[dict[str, Any]], *columns: str) -> list[Any]:
    """Insert the rows; the `columns` of each, in the order of `rows` (on PostgreSQL the ids are taken from the
    sequence first, so the rows go in by COPY)."""
    if not rows:
        return []
    if _postgres(connection):
        ids = connection.execute(text(f"SELECT {next_id(connection, table.name)} FROM generate_series(1, :n)"),
                                 {"n": len(rows)}).scalars().all()
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
        insert_rows(connection, table, rows)
        return [SimpleNamespace(**{c: row[c] for c in columns}) for row in rows]
    statement = table.insert().returning(*(table.c[c] for c in columns), sort_by_parameter_order=True)
    return list(connection.execute(statement, rows))


def _update(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE by id, one statement for all rows (each row: `id_` and the columns to set; same columns in every row)."""
    if not rows:
        return
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_columns[tuple(sorted(k for k in row if k != "id_"))].append(row)
    for columns, group in by_columns.items():
        statement = update(table).where(table.c.id == bindparam("id_")).values({c: bindparam(f"v_{c}") for c in columns})
        connection.execute(statement, [{"id_": row["id_"], **{f"v_{c}": row[c] for c in columns}} for row in group])


# --- institutions ----------------------------------------------------------------------------------------------

INSTITUTION_FIELDS = ("name", "type", "division_code", "registered_by", "address", "beds", "legal_rep", "principal", "phone")


def institutions(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    rows, kept = _split_kept(connection, "institution", rows)
    if not rows:
        return Changed(kept=kept)
    table = _table(Institution)
    existing = {row.uscc: row for row in connection.execute(text(
        "SELECT i.id, i.uscc, i.identifier, " + ", ".join(f"i.{c}" for c in INSTITUTION_FIELDS) +
        f" FROM institutions i JOIN import_stage s ON s.uscc = i.uscc WHERE {IN_BATCH}"), _range(rows))}
    wanted = []
    for row in rows:
        wanted.append({
            "uscc": row["uscc"], "name": row["name"], "type": row["type"], "division_code": row["division_code"],
            "registered_by": row["registered_by"], "address": row["address"] or "", "beds": int(row["beds"] or 0),
            "legal_rep": row["legal_rep"] or "", "principal": row["principal"] or "", "phone": row["phone"] or "",
        })
    new = [values for values in wanted if values["uscc"] not in existing]
    identifiers = issue(connection, "institution", [values["registered_by"] for values in new], today.year)
    for values, identifier in zip(new, identifiers, strict=True):
        values.update(identifier=identifier, status="operating", public_version=FIRST_VERSION)
    inserted = insert_returning(connection, table, new, "id", "uscc")
    record_issued(connection, "institution", zip(identifiers, (row.id for row in inserted), strict=True))
    ids = {row.uscc: row.id for row in inserted}
    ids_new = list(ids.values())
    changed: set[int] = set(ids_new)
    updates = []
    fields: dict[int, list[str]] = {}
    for values in wanted:
        held = existing.get(values["uscc"])
        if held is None:
            continue
        ids[values["uscc"]] = held.id
        differs = {c: values[c] for c in INSTITUTION_FIELDS if getattr(held, c) != values[c]}
        if held.identifier is None:
            [identifier] = issue(connection, "institution", [values["registered_by"]], today.year)
            record_issued(connection, "institution", [(identifier, held.id)])
            differs["identifier"] = identifier
        if differs:
            updates.append({"id_": held.id, **differs})
            changed.add(held.id)
            fields[held.id] = sorted(differs)
    _update(connection, table, updates)
    departments_changed = set_departments(connection, {ids[row["uscc"]]: row["departments"].split(";") for row in rows})
    # The history records each load (changed_online reads it): what a new institution's import event is, as
    # publisher/new_entries.py writes it, and which fields a re-import changed.
    now = utcnow()
    events = [{"institution_id": institution_id, "at": now, "actor": IMPORTER, "action": INSTITUTION_IMPORTED,
               "text": IMPORTED, "detail": {}} for institution_id in ids_new]
    events += [{"institution_id": institution_id, "at": now, "actor": IMPORTER, "action": INSTITUTION_REIMPORTED,
                "text": REIMPORTED, "detail": {"changed": fields.get(institution_id, []) +
                                               (["departments"] if institution_id in departments_changed else [])}}
               for institution_id in sorted((changed | departments_changed) - set(ids_new))]
    insert_rows(connection, _table(InstitutionEvent), events)
    return Changed(sorted(changed | departments_changed), ids_new, kept)


def set_departments(connection: Connection, wanted: dict[int, list[str]]) -> set[int]:
    """Departments as listed; the scope map keeps the institution's own rows for departments it keeps and starts
    each new department from the default map. The ids of institutions whose departments changed."""
    held: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(list(wanted), 5000):
        for institution_id, department in connection.execute(
                text("SELECT institution_id, department FROM institution_departments WHERE institution_id IN :ids")
                .bindparams(bindparam("ids", expanding=True)), {"ids": chunk}):
            held[institution_id].add(department)
    defaults = default_scope_map()
    removed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    scopes: list[dict[str, Any]] = []
    for institution_id, departments in wanted.items():
        keep = set(departments)
        removed += [{"i": institution_id, "d": d} for d in held[institution_id] - keep]
        for department in departments:
            if department not in held[institution_id]:
                added.append({"institution_id": institution_id, "department": department})
                scopes += [{"institution_id": institution_id, "department": department, "scope": scope}
                           for scope in sorted(defaults.get(department, ()))]
    if removed:
        connection.execute(text("DELETE FROM department_scopes WHERE institution_id = :i AND department = :d"), removed)
        connection.execute(text("DELETE FROM institution_departments WHERE institution_id = :i AND department = :d"), removed)
    insert_rows(connection, _table(InstitutionDepartment), added)
    if scopes:
        statement = insert_for(connection, _table(DepartmentScope)).on_conflict_do_nothing()
        connection.execute(statement, scopes)
    return {int(row["i"]) for row in removed} | {int(row["institution_id"]) for row in added}


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- persons (both registers) ------------------------------------------------------------------------------------


def persons(connection: Connection, rows: list[dict[str, Any]], profession: str) -> dict[str, Any]:
    """The person of each row (by ID number hash), created or brought up to date; hash → person row values."""
    table = _table(Person)
    query = (select(table.c.id, table.c.id_number_hash, table.c.name, table.c.sex, table.c.birth_date, table.c.institution_id)
             .join(STAGE, STAGE.c.id_hash == table.c.id_number_hash).where(STAGE.c.rn.between(rows[0]["rn"], rows[-1]["rn"])))
    held = {row.id_number_hash: row for row in connection.execute(query)}
    new, updates = [], []
    for row in rows:
        birth = date.fromisoformat(row["birth_date"])
        person = held.get(row["id_hash"])
        if person is None:
            new.append({"profession": profession, "name": row["name"], "sex": row["sex"], "birth_date": birth,
                        "id_type": "resident_id", "id_number_encrypted": row["id_encrypted"],
                        "id_number_hash": row["id_hash"], "mobile": "", "institution_id": row["institution_id"]})
        else:
            differs = {c: v for c, v in (("name", row["name"]), ("sex", row["sex"]), ("birth_date", birth))
                       if getattr(person, c) != v}
            if differs:
                updates.append({"id_": person.id, **differs})
    changed = {row["id_"]: row for row in updates}
    result: dict[str, Any] = {key: {"id": row.id, "institution_id": row.institution_id,
                                    "changes": {c: [getattr(row, c), v] for c, v in changed.get(row.id, {}).items() if c != "id_"}}
                              for key, row in held.items()}
    for inserted in insert_returning(connection, _table(Person), new, "id", "id_number_hash", "institution_id"):
        result[inserted.id_number_hash] = {"id": inserted.id, "institution_id": inserted.institution_id, "changes": {}}
    _update(connection, _table(Person), updates)
    return result


def _entries(connection: Connection, model: Any, person_ids: list[int], columns: Sequence[str]) -> dict[int, Any]:
    table = _table(model)
    found: dict[int, Any] = {}
    for chunk in _chunks(person_ids, 50_000):
        query = select(*(table.c[c] for c in ("id", "person_id", "status", "identifier", *columns))).where(
            among(connection, table.c.person_id, chunk))
        for row in connection.execute(query):
            found[row.person_id] = row
    return found


def _institutions_of(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Each row's institution id (the check step made sure it exists)."""
    found: dict[int, int] = dict(connection.execute(text(
        f"SELECT s.rn, i.id FROM import_stage s JOIN institutions i ON i.uscc = s.institution_uscc WHERE {IN_BATCH}"),
        _range(rows)).all())
    for row in rows:
        row["institution_id"] = found[row["rn"]]


def _move_people(connection: Connection, moved: list[tuple[int, int]]) -> None:
    """person id, institution id: the person's main practice institution."""
    _update(connection, _table(Person), [{"id_": person_id, "institution_id": institution_id} for person_id, institution_id in moved])


# --- physicians -------------------------------------------------------------------------------------------------

PHYSICIAN_FIELDS = ("certificate_no", "level", "category", "practice_category", "practice_scopes", "institution_id",
                    "commission_code", "registered_on")


def physicians(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    rows, kept = _split_kept(connection, "physician", rows)
    if not rows:
        return Changed(kept=kept)
    _institutions_of(connection, rows)
    people = persons(connection, rows, "physician")
    held = _entries(connection, PhysicianRegistration, [people[row["id_hash"]]["id"] for row in rows], PHYSICIAN_FIELDS)
    names = _institution_names(connection, {row["institution_id"] for row in rows} |
                               {entry.institution_id for entry in held.values()})
    now = utcnow()
    new, updates, events, practices, closing, moved = [], [], [], [], [], []
    for row in rows:
        person = people[row["id_hash"]]
        values = {
            "certificate_no": row["certificate_no"], "level": row["level"], "category": row["category"],
            "practice_category": row["practice_category"], "practice_scopes": row["practice_scopes"].split(";"),
            "institution_id": row["institution_id"], "commission_code": row["registered_by"],
            "registered_on": date.fromisoformat(row["registered_on"]),
        }
        entry = held.get(person["id"])
        if entry is None:
            new.append({**values, "person_id": person["id"], "status": "registered", "updated_at": now,
                        "public_version": FIRST_VERSION})
            if person["institution_id"] != values["institution_id"]:
                moved.append((person["id"], values["institution_id"]))
            continue
        differs = {c: values[c] for c in PHYSICIAN_FIELDS if getattr(entry, c) != values[c]}
        if not differs and not person["changes"]:
            continue
        updates.append({"id_": entry.id, **differs, "updated_at": now})
        changes = {c: [getattr(entry, c), values[c]] for c in differs} | person["changes"]
        if "institution_id" in differs:
            changes["institution"] = [names.get(entry.institution_id), names.get(values["institution_id"])]
            del changes["institution_id"]
            if entry.status == "registered":
                closing.append({"r": entry.id, "on": today})
                practices.append({"registration_id": entry.id, "institution_id": values["institution_id"], "main": True,
                                  "since": today})
                moved.append((person["id"], values["institution_id"]))
        events.append({"registration_id": entry.id, "at": now, "event": REIMPORTED, "actor": IMPORTER,
                       "from_status": entry.status, "to_status": entry.status, "changes": _jsonable(changes)})
    identifiers = issue(connection, "physician", [values["commission_code"] for values in new], today.year)
    for values, identifier in zip(new, identifiers, strict=True):
        values["identifier"] = identifier
    inserted = [row.id for row in insert_returning(connection, _table(PhysicianRegistration), new, "id")]
    record_issued(connection, "physician", zip(identifiers, inserted, strict=True))
    for entry_id, values in zip(inserted, new, strict=True):
        practices.append({"registration_id": entry_id, "institution_id": values["institution_id"], "main": True,
                          "since": values["registered_on"]})
        events.append({"registration_id": entry_id, "at": now, "event": IMPORTED, "actor": IMPORTER, "from_status": None,
                       "to_status": "registered", "changes": {
                           "institution": [None, names.get(values["institution_id"])],
                           "practice_category": [None, values["practice_category"]],
                           "practice_scopes": [None, values["practice_scopes"]]}})
    _update(connection, _table(PhysicianRegistration), updates)
    if closing:
        connection.execute(text("UPDATE physician_practices SET until = :on WHERE registration_id = :r AND until IS NULL "
                                "AND main"), closing)
    insert_rows(connection, _table(PhysicianPractice), practices)
    insert_rows(connection, _table(PhysicianRegistrationEvent), events)
    _move_people(connection, moved)
    return Changed(inserted + [row["id_"] for row in updates], inserted, kept)


def _institution_names(connection: Connection, ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    table = _table(Institution)
    for chunk in _chunks(sorted(ids), 50_000):
        names.update(connection.execute(select(table.c.id, table.c.name).where(among(connection, table.c.id, chunk))).all())
    return names


def _jsonable(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {key: [value.isoformat() if isinstance(value, date) else value for value in pair] for key, pair in changes.items()}


# --- nurses -----------------------------------------------------------------------------------------------------

NURSE_FIELDS = ("certificate_no", "passed_year", "institution_id", "department", "commission_code", "registered_on",
                "valid_until")


def nurses(connection: Connection, rows: list[dict[str, Any]], today: date) -> list[int]:
    rows, kept = _split_kept(connection, "nurse", rows)
    if not rows:
        return Changed(kept=kept)
    _institutions_of(connection, rows)
    people = persons(connection, rows, "nurse")
    held = _entries(connection, NurseRegistration, [people[row["id_hash"]]["id"] for row in rows], NURSE_FIELDS)
    names = _institution_names(connection, {row["institution_id"] for row in rows} |
                               {entry.institution_id for entry in held.values()})
    now = utcnow()
    new, updates, events, moved = [], [], [], []
    for row in rows:
        person = people[row["id_hash"]]
        values = {
            "certificate_no": row["certificate_no"], "passed_year": int(row["passed_year"]),
            "institution_id": row["institution_id"], "department": row["department"], "commission_code": row["registered_by"],
            "registered_on": date.fromisoformat(row["registered_on"]), "valid_until": date.fromisoformat(row["valid_until"]),
        }
        status = "registered" if values["valid_until"] >= today else "expired"
        entry = held.get(person["id"])
        if entry is None:
            new.append({**values, "person_id": person["id"], "status": status, "expiry_notices": [], "updated_at": now,
                        "public_version": FIRST_VERSION})
            if person["institution_id"] != values["institution_id"]:
                moved.append((person["id"], values["institution_id"]))
            continue
        differs = {c: values[c] for c in NURSE_FIELDS if getattr(entry, c) != values[c]}
        if not differs and not person["changes"]:
            continue
        if "valid_until" in differs:
            differs["expiry_notices"] = []
            if entry.status in ("registered", "expired"):
                differs["status"] = status
        updates.append({"id_": entry.id, **differs, "updated_at": now})
        if "institution_id" in differs:
            moved.append((person["id"], values["institution_id"]))
        shown = {c: [getattr(entry, c), values[c]] for c in NURSE_FIELDS if c in differs and c != "institution_id"}
        shown |= person["changes"]
        if "institution_id" in differs:
            shown["institution"] = [names.get(entry.institution_id), names.get(values["institution_id"])]
        events.append({"registration_id": entry.id, "at": now, "event": REIMPORTED, "actor": IMPORTER,
                       "from_status": entry.status, "to_status": differs.get("status", entry.status),
                       "valid_until": values["valid_until"],
                       "comment": "；".join(f"{key}：{before} → {after}" for key, (before, after) in _jsonable(shown).items())})
    identifiers = issue(connection, "nurse", [values["commission_code"] for values in new], today.year)
    for values, identifier in zip(new, identifiers, strict=True):
        values["identifier"] = identifier
    inserted = [row.id for row in insert_returning(connection, _table(NurseRegistration), new, "id")]
    record_issued(connection, "nurse", zip(identifiers, inserted, strict=True))
    for entry_id, values in zip(inserted, new, strict=True):
        events.append({"registration_id": entry_id, "at": now, "event": IMPORTED, "actor": IMPORTER, "from_status": None,
                       "to_status": values["status"], "valid_until": values["valid_until"],
                       "comment": f"执业机构：{names.get(values['institution_id'], '')}，科室：{values['department']}"})
    _update(connection, _table(NurseRegistration), updates)
    insert_rows(connection, _table(NurseRegistrationEvent), events)
    _move_people(connection, moved)
    return Changed(inserted + [row["id_"] for row in updates], inserted, kept)


# The kinds whose writers read the batch from the stage themselves (by its range of row numbers).
FROM_STAGE = frozenset({"divisions", "physician-qualifications", "nurse-exams", "assessments"})

WRITERS: dict[str, Writer] = {
    "divisions": divisions,
    "physician-qualifications": qualifications,
    "nurse-exams": nurse_exams,
    "assessments": assessments,
    "institutions": institutions,
    "physicians": physicians,
    "nurses": nurses,
}

