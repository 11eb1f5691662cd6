"""Register exports 导出登记名册: the physician, nurse or institution register of a commission's jurisdiction as CSV
or XLSX, for commission staff.

The jurisdiction is what commission search and the register statistics use: entries whose (main) institution lies
in a division starting with the account's jurisdiction prefix (pipeline.routing.jurisdiction_prefix; the national
commission 000000 sees every entry).

What leaves: the fields of the public record plus the status of every entry (not only the published ones), with
Chinese headers and Chinese status labels. Never a resident ID number, a birth date or a mobile: a file, once
downloaded, is out of the system's reach (forwarded, printed, left on a laptop), while the ID number is shown only
one person at a time and every reveal is audited (docs/commission.md, "导出登记名册").

Streaming: pyramid_tm commits and closes the request's session before the server reads the response, so the rows
are read through a connection of their own (`RegisterStream`), in one REPEATABLE READ read-only transaction — the
row count written to the audit entry and the rows sent are the same snapshot — from a server-side cursor, BATCH
rows at a time: memory stays bounded by a batch whatever the size of the register. The response closes the
connection when the server is done with it (or never starts reading it)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.orm import aliased

from models import Commission, Institution, NurseRegistration, Person, PhysicianRegistration
from models.db import READ_ONLY
from models.divisions import Division, within
from models.registers.institutions import InstitutionDepartment
from models.registers.physicians import PhysicianPractice
from pipeline.registers.institutions import STATUS_LABELS as INSTITUTION_STATUS_LABELS
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from pipeline.registers.physicians import STATUS_LABELS as PHYSICIAN_STATUS_LABELS
from portal.errors import invalid
from portal.services import exports
from portal.services.exports import FORMATS

REGISTERS: dict[str, str] = {"physicians": "医师注册名册", "nurses": "护士注册名册", "institutions": "医疗机构登记名册"}
HEADERS: dict[str, list[str]] = {
    "physicians": ["姓名", "性别", "电子化注册识别码", "执业级别", "执业类别", "执业范围", "主要执业机构", "其他执业机构",
                   "行政区划", "注册状态", "注册日期", "有效期至"],
    "nurses": ["姓名", "性别", "电子化注册识别码", "执业机构", "科室", "行政区划", "注册状态", "注册日期", "有效期至"],
    "institutions": ["机构名称", "统一社会信用代码", "电子化注册识别码", "机构类别", "行政区划", "登记机关", "地址", "床位数",
                     "法定代表人", "主要负责人", "联系电话", "诊疗科目", "登记状态", "执业登记日期", "下次校验日期"],
}
XLSX_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows, the header one of them
BATCH = 2000
SEPARATOR = "、"


def parse(params: Any) -> tuple[str, str]:
    """(register, format) from the request's parameters, or 400 naming each bad field in Chinese."""
    register, fmt = params.get("register", ""), params.get("format", "csv")
    fields = {}
    if register not in REGISTERS:
        fields["register"] = "应为 physicians（医师）、nurses（护士）或 institutions（医疗机构）"
    if fmt not in FORMATS:
        fields["format"] = "应为 csv 或 xlsx"
    if fields:
        raise invalid(fields)
    return register, fmt


def _date(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def physicians(prefix: str) -> Select:
    others = aliased(Institution)
    further = (select(func.aggregate_strings(others.name, SEPARATOR))
               .select_from(PhysicianPractice).join(others, others.id == PhysicianPractice.institution_id)
               .where(PhysicianPractice.registration_id == PhysicianRegistration.id, PhysicianPractice.until.is_(None),
                      PhysicianPractice.main.is_(False))
               .scalar_subquery())
    return person_register(PhysicianRegistration, prefix, PhysicianRegistration.level,
                           PhysicianRegistration.practice_category, PhysicianRegistration.practice_scopes, Institution.name,
                           further, Division.name, PhysicianRegistration.status, PhysicianRegistration.registered_on,
                           PhysicianRegistration.valid_until)


def person_register(entry: Any, prefix: str, *columns: Any) -> Select:
    """Name, sex and identifier of every entry of a person register (`entry`: its model) whose institution is in the
    jurisdiction `prefix`, then `columns` (of the entry, its Institution and that institution's Division)."""
    return (select(Person.name, Person.sex, entry.identifier, *columns)
            .select_from(entry)
            .join(Person, Person.id == entry.person_id)
            .join(Institution, Institution.id == entry.institution_id)
            .outerjoin(Division, Division.code == Institution.division_code)
            .where(*within(Institution.division_code, prefix))
            .order_by(entry.id))


def physician_row(row: Any) -> list:
    name, sex, identifier, level, category, scopes, institution, further, division, status, registered_on, valid_until = row
    return [name, sex, identifier or "", level, category, SEPARATOR.join(scopes or ()), institution, further or "",
            division or "", PHYSICIAN_STATUS_LABELS.get(status, status), _date(registered_on), _date(valid_until)]


def nurses(prefix: str) -> Select:
    return person_register(NurseRegistration, prefix, Institution.name, NurseRegistration.department, Division.name,
                           NurseRegistration.status, NurseRegistration.registered_on, NurseRegistration.valid_until)


def nurse_row(row: Any) -> list:
    name, sex, identifier, institution, department, division, status, registered_on, valid_until = row
    return [name, sex, identifier or "", institution, department or "", division or "",
            NURSE_STATUS_LABELS.get(status, status), _date(registered_on), _date(valid_until)]


def institutions(prefix: str) -> Select:
    departments = (select(func.aggregate_strings(InstitutionDepartment.department, SEPARATOR))
                   .where(InstitutionDepartment.institution_id == Institution.id).scalar_subquery())
    return (select(Institution.name, Institution.uscc, Institution.identifier, Institution.type, Division.name,
                   Commission.name, Institution.address, Institution.beds, Institution.legal_rep, Institution.principal,
                   Institution.phone, departments, Institution.status, Institution.registered_on,
                   Institution.next_verification_on)
            .select_from(Institution)
            .outerjoin(Division, Division.code == Institution.division_code)
            .outerjoin(Commission, Commission.division_code == Institution.registered_by)
            .where(*within(Institution.division_code, prefix))
            .order_by(Institution.id))


def institution_row(row: Any) -> list:
    (name, uscc, identifier, kind, division, commission, address, beds, legal_rep, principal, phone, departments, status,
     registered_on, next_verification_on) = row
    return [name, uscc or "", identifier or "", kind, division or "", commission or "", address, beds, legal_rep, principal,
            phone, departments or "", INSTITUTION_STATUS_LABELS.get(status, status), _date(registered_on),
            _date(next_verification_on)]


QUERIES = {"physicians": (physicians, physician_row), "nurses": (nurses, nurse_row), "institutions": (institutions, institution_row)}


def query(register: str, prefix: str) -> Select:
    return QUERIES[register][0](prefix)


class RegisterStream:
    """One register of one jurisdiction, read through a connection of its own (see the module's docstring).

    Opened in the view, so the count is known before the response starts; `rows()` is read while the server sends
    the response; `close()` (idempotent) ends the transaction and gives the connection back to the pool."""

    def __init__(self, engine: Engine, register: str, prefix: str) -> None:
        self.register, self.prefix = register, prefix
        self.connection: Connection | None = engine.connect()
        try:
            if engine.dialect.name == "postgresql":
                self.connection = self.connection.execution_options(isolation_level="REPEATABLE READ",
                                                                    postgresql_readonly=True)
            else:
                self.connection = self.connection.execution_options(**{READ_ONLY: True})
            self.connection.begin()
            counted = query(register, prefix).with_only_columns(func.count()).order_by(None)
            self.count = int(self.connection.scalar(counted) or 0)
        except BaseException:
            self.close()
            raise

    @property
    def title(self) -> str:
        return REGISTERS[self.register]

    @property
    def headers(self) -> list[str]:
        return list(HEADERS[self.register])

    def rows(self) -> Iterator[list]:
        if self.connection is None:
            raise RuntimeError("the register stream is closed")
        shape = QUERIES[self.register][1]
        result = self.connection.execution_options(stream_results=True, yield_per=BATCH).execute(query(self.register, self.prefix))
        try:
            for partition in result.partitions():
                for row in partition:
                    yield shape(row)
        finally:
            result.close()

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.rollback()  # read only: nothing to keep
            finally:
                connection.close()


class Download:
    """The response body of an export: the CSV or XLSX chunks, produced from `stream` only as the server reads
    them. `close()` (called by the WSGI server when it is done, also when the client went away or reading never
    started) gives the connection back."""

    def __init__(self, stream: RegisterStream, fmt: str) -> None:
        self.stream, self.fmt = stream, fmt
        self.chunks: Iterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        if self.chunks is None:
            self.chunks = self._csv() if self.fmt == "csv" else self._xlsx()
        return self.chunks

    def _csv(self) -> Iterator[bytes]:
        yield from exports.csv_chunks(self.stream.headers, self.stream.rows())
        self.stream.close()

    def _xlsx(self) -> Iterator[bytes]:
        yield from exports.xlsx_chunks(self.stream.title, self.stream.headers, self.stream.rows())
        self.stream.close()

    def close(self) -> None:
        try:
            if self.chunks is not None and hasattr(self.chunks, "close"):
                self.chunks.close()
        finally:
            self.stream.close()
