"""Loading reference data and legacy registers from CSV rows (`medreg import`, `medreg demo`).

Each loader takes the rows of one file as dicts (header → value) and works inside the caller's
transaction: a row is validated, then written under its own savepoint, so one bad row is refused
with a reason per field while the good rows load. Loading the same file again updates what is
there and never duplicates it (divisions by code, qualifications by certificate number,
institutions by unified social credit code).

Row numbers are the file's line numbers with the header as line 1, as a spreadsheet shows them.

A loader of a register names the entries it changed in `ImportReport.changed`; the caller (the command, the
demo) then publishes them with publisher.disclosure.publish_changed, in the same transaction.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    AssessmentResult,
    Commission,
    DepartmentScope,
    Division,
    Institution,
    InstitutionDepartment,
    NurseExamRecord,
    PhysicianQualification,
)
from models.crypto import lookup_hash
from models.identifiers import identifier_for
from models.settings import Settings
from pipeline import clock, codes
from pipeline.fields import REQUIRED, FieldError, choice, iso_date, text
from pipeline.persons import resident_id
from pipeline.registers.institutions import uscc

FIRST_DATA_ROW = 2

COLUMNS: dict[str, tuple[str, ...]] = {
    "divisions": ("code", "name", "parent_code"),
    "physician-qualifications": ("certificate_no", "name", "id_number", "level", "category", "issued_on"),
    "institutions": (
        "uscc", "name", "type", "division_code", "registered_by", "address", "beds", "departments",
        "legal_rep", "principal", "phone",
    ),
    "nurse-exams": ("certificate_no", "name", "id_number", "passed_year"),
    "assessments": ("certificate_no", "period", "result", "assessed_on", "assessor"),
}

Progress = Callable[[], None]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    loaded: int = 0
    errors: list[RowError] = field(default_factory=list)
    # (register, entry id) of every register entry the import created or changed, to publish.
    changed: list[tuple[str, int]] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len({error.row for error in self.errors})

    def refuse(self, row: int, reasons: Mapping[str, str]) -> None:
        self.errors.extend(RowError(row, name, reason) for name, reason in reasons.items())


class RowRefused(Exception):
    def __init__(self, reasons: Mapping[str, str]) -> None:
        super().__init__(reasons)
        self.reasons = dict(reasons)


def missing_columns(kind: str, header: Sequence[str] | None) -> list[str]:
    present = {name.strip() for name in header or ()}
    return [name for name in COLUMNS[kind] if name not in present]


# --- shared row handling --------------------------------------------------------------


def _load(session: Session, kind: str, rows: Iterable[Mapping[str, Any]], write: Callable[[Mapping[str, Any]], None],
          progress: Progress | None) -> ImportReport:
    """Run `write` on every row under a savepoint; a RowRefused or a constraint failure refuses only that row."""
    report = ImportReport(kind)
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        try:
            with session.begin_nested():
                write(row)
                session.flush()
            report.loaded += 1
        except RowRefused as refused:
            report.refuse(number, refused.reasons)
        except IntegrityError as error:
            report.refuse(number, {"*": f"与已有数据冲突：{error.orig}"})
        if progress:
            progress()
    return report


def _value(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return value.strip() if isinstance(value, str) else ""


def _clean(row: Mapping[str, Any], cleaners: Mapping[str, Callable[[str], Any]], optional: Iterable[str] = ()) -> dict[str, Any]:
    """Apply a cleaner per column; blank optional columns become None. Raises RowRefused with every reason."""
    optional = set(optional)
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, cleaner in cleaners.items():
        value = _value(row, name)
        if not value:
            if name in optional:
                clean[name] = None
            else:
                errors[name] = REQUIRED
            continue
        try:
            clean[name] = cleaner(value)
        except FieldError as error:
            errors[name] = str(error)
    if errors:
        raise RowRefused(errors)
    return clean


def division_code(value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", value):
        raise FieldError("行政区划代码应为6位数字（GB/T 2260）")
    if value[:2] == "00":
        raise FieldError("行政区划代码的省级代码不能为00")
    return value


def _level(code: str) -> int:
    """1 province (XX0000), 2 prefecture (XXXX00), 3 county."""
    return 1 if code.endswith("0000") else 2 if code.endswith("00") else 3


def _text(high: int, what: str) -> Callable[[str], str]:
    return lambda value: text(value, 1, high, what)


# --- divisions ------------------------------------------------------------------------


def import_divisions(session: Session, settings: Settings, rows: Iterable[Mapping[str, Any]],
                     progress: Progress | None = None) -> ImportReport:
    """GB/T 2260 divisions, each with its health commission `<name>卫生健康委员会`."""
    rows = list(rows)
    codes_in_file = {_value(row, "code") for row in rows}

    def write(row: Mapping[str, Any]) -> None:
        clean = _clean(row, {"code": division_code, "name": _text(100, "名称"), "parent_code": division_code},
                       optional=["parent_code"])
        code, parent = clean["code"], clean["parent_code"]
        if parent is not None:
            _check_parent(session, code, parent, codes_in_file)
        division = session.get(Division, code) or Division(code=code)
        division.name, division.parent_code = clean["name"], parent
        session.add(division)
        session.flush()
        commission = session.get(Commission, code) or Commission(division_code=code)
        commission.name = f"{clean['name']}卫生健康委员会"
        session.add(commission)

    return _load(session, "divisions", rows, write, progress)


def _check_parent(session: Session, code: str, parent: str, codes_in_file: set[str]) -> None:
    if parent == code:
        raise RowRefused({"parent_code": "上级行政区划不能是其本身"})
    if _level(parent) >= _level(code) or not code.startswith(parent[: 2 * _level(parent)]):
        raise RowRefused({"parent_code": f"{parent}不是{code}的上级行政区划"})
    if parent not in codes_in_file and session.get(Division, parent) is None:
        raise RowRefused({"parent_code": f"上级行政区划{parent}不存在（既不在本文件中，也未导入）"})


# --- physician qualifications ---------------------------------------------------------


def certificate_no(value: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z]{6,30}", value):
        raise FieldError("证书编号应为6至30位数字或字母")
    return value.upper()


def past_date(value: str) -> date:
    issued = iso_date(value, "发证日期")
    if issued > clock.today():
        raise FieldError("发证日期不能晚于今天")
    return issued


def import_physician_qualifications(session: Session, settings: Settings, rows: Iterable[Mapping[str, Any]],
                                    progress: Progress | None = None) -> ImportReport:
    """The physician qualification database 医师资格; the ID number is kept only as a keyed hash."""

    def write(row: Mapping[str, Any]) -> None:
        clean = _clean(row, {
            "certificate_no": certificate_no,
            "name": _text(50, "姓名"),
            "id_number": resident_id,
            "level": lambda value: choice(value, codes.QUALIFICATION_LEVELS, "医师级别"),
            "category": lambda value: choice(value, codes.QUALIFICATION_CATEGORIES, "医师类别"),
            "issued_on": past_date,
        }, optional=["issued_on"])
        record = session.get(PhysicianQualification, clean["certificate_no"])
        if record is None:
            record = PhysicianQualification(certificate_no=clean["certificate_no"])
            session.add(record)
        record.name, record.level, record.category = clean["name"], clean["level"], clean["category"]
        record.id_number_hash = lookup_hash(settings.secret, clean["id_number"])
        record.issued_on = clean["issued_on"]

    return _load(session, "physician-qualifications", rows, write, progress)


# --- institutions ---------------------------------------------------------------------


def department_list(value: str) -> list[str]:
    names = [name.strip() for name in re.split(r"[;；]", value) if name.strip()]
    known = set(codes.departments())
    unknown = [name for name in names if name not in known]
    if unknown:
        raise FieldError(f"诊疗科目不在《医疗机构诊疗科目名录》中：{'、'.join(unknown)}")
    if not names:
        raise FieldError(REQUIRED)
    return list(dict.fromkeys(names))


def bed_count(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,6}", value):
        raise FieldError("床位数应为非负整数")
    return int(value)


def phone_number(value: str) -> str:
    if not re.fullmatch(r"[0-9+()\- ]{5,30}", value):
        raise FieldError("联系电话应为5至30位数字，可含 - + ( ) 和空格")
    return value


INSTITUTION_CLEANERS: dict[str, Callable[[str], Any]] = {
    "uscc": uscc,
    "name": _text(200, "机构名称"),
    "type": lambda value: choice(value, codes.institution_types(), "机构类别"),
    "division_code": division_code,
    "registered_by": division_code,
    "address": _text(300, "地址"),
    "beds": bed_count,
    "departments": department_list,
    "legal_rep": _text(50, "法定代表人"),
    "principal": _text(50, "主要负责人"),
    "phone": phone_number,
}
INSTITUTION_OPTIONAL = ("address", "beds", "legal_rep", "principal", "phone")


def import_institutions(session: Session, settings: Settings, rows: Iterable[Mapping[str, Any]],
                        progress: Progress | None = None) -> ImportReport:
    """Legacy registered institutions: operating, with their departments, the default department→scope map
    and an electronic registration identifier issued against their registering commission."""
    def write(row: Mapping[str, Any]) -> None:
        clean = _clean(row, INSTITUTION_CLEANERS, optional=INSTITUTION_OPTIONAL)
        _check_jurisdiction(session, clean["division_code"], clean["registered_by"])
        institution = session.scalar(select(Institution).where(Institution.uscc == clean["uscc"]))
        if institution is None:
            institution = Institution(uscc=clean["uscc"], status="operating")
            session.add(institution)
        institution.name, institution.type = clean["name"], clean["type"]
        institution.division_code, institution.registered_by = clean["division_code"], clean["registered_by"]
        institution.address = clean["address"] or ""
        institution.beds = clean["beds"] or 0
        institution.legal_rep, institution.principal = clean["legal_rep"] or "", clean["principal"] or ""
        institution.phone = clean["phone"] or ""
        session.flush()
        set_departments(institution, clean["departments"])
        if institution.identifier is None:
            institution.identifier = identifier_for(session, "institution", institution.id, institution.registered_by)
        session.flush()
        session.expire(institution, ["departments", "scope_map"])  # reload in their stored order
        changed.append(("institution", institution.id))

    changed: list[tuple[str, int]] = []
    report = _load(session, "institutions", rows, write, progress)
    report.changed = changed
    return report


def _check_jurisdiction(session: Session, division: str, registered_by: str) -> None:
    if session.get(Division, division) is None:
        raise RowRefused({"division_code": f"行政区划{division}不存在，请先导入行政区划"})
    if session.get(Commission, registered_by) is None:
        raise RowRefused({"registered_by": f"登记机关{registered_by}不存在，请先导入行政区划"})
    if registered_by not in ancestry(session, division):
        raise RowRefused({"registered_by": f"登记机关{registered_by}的辖区不包含行政区划{division}"})


def ancestry(session: Session, code: str) -> list[str]:
    """The division and every division above it."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        division = session.get(Division, current)
        current = division.parent_code if division else None
    return chain


def set_departments(institution: Institution, departments: list[str]) -> None:
    """Departments as listed; the scope map keeps the institution's own rows for departments it keeps and
    starts each new department from the default map."""
    institution.departments[:] = [d for d in institution.departments if d.department in departments]
    held = set(institution.department_names)
    institution.departments.extend(InstitutionDepartment(department=name) for name in departments if name not in held)
    mapped = {row.department for row in institution.scope_map if row.department in departments}
    institution.scope_map[:] = [row for row in institution.scope_map if row.department in departments]
    defaults = codes.default_scope_map()
    for department in departments:
        if department not in mapped:
            institution.scope_map.extend(
                DepartmentScope(department=department, scope=scope) for scope in sorted(defaults.get(department, ()))
            )


# --- nurse exam records and periodic assessment results ----------------------------------------------


FIRST_EXAM_YEAR = 1950
ASSESSMENT_RESULTS = ("合格", "基本合格", "不合格")


def exam_year(value: str) -> int:
    if not re.fullmatch(r"[0-9]{4}", value) or not FIRST_EXAM_YEAR <= int(value) <= clock.today().year:
        raise FieldError(f"考试合格年份应为{FIRST_EXAM_YEAR}至今年之间的四位年份")
    return int(value)


def import_nurse_exams(session: Session, settings: Settings, rows: Iterable[Mapping[str, Any]],
                       progress: Progress | None = None) -> ImportReport:
    """The nurse qualification exam database 护士执业资格考试合格记录, keyed by certificate number; the ID number is
    kept only as a keyed hash."""

    def write(row: Mapping[str, Any]) -> None:
        clean = _clean(row, {
            "certificate_no": certificate_no,
            "name": _text(50, "姓名"),
            "id_number": resident_id,
            "passed_year": exam_year,
        })
        record = session.get(NurseExamRecord, clean["certificate_no"])
        if record is None:
            record = NurseExamRecord(certificate_no=clean["certificate_no"])
            session.add(record)
        record.name, record.passed_year = clean["name"], clean["passed_year"]
        record.id_number_hash = lookup_hash(settings.secret, clean["id_number"])

    return _load(session, "nurse-exams", rows, write, progress)


def assessment_period(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}(-[0-9]{4})?", value) or (len(value) == 9 and int(value[5:]) <= int(value[:4])):
        raise FieldError("考核周期应为年份（如2024）或起止年份（如2022-2024）")
    return value


def assessed_date(value: str) -> date:
    assessed = iso_date(value, "考核日期")
    if assessed > clock.today():
        raise FieldError("考核日期不能晚于今天")
    return assessed


def import_assessments(session: Session, settings: Settings, rows: Iterable[Mapping[str, Any]],
                       progress: Progress | None = None) -> ImportReport:
    """Periodic assessment results 医师定期考核, one per (certificate number, period)."""

    def write(row: Mapping[str, Any]) -> None:
        clean = _clean(row, {
            "certificate_no": certificate_no,
            "period": assessment_period,
            "result": lambda value: choice(value, ASSESSMENT_RESULTS, "考核结果"),
            "assessed_on": assessed_date,
            "assessor": _text(200, "考核机构"),
        })
        if session.get(PhysicianQualification, clean["certificate_no"]) is None:
            raise RowRefused({"certificate_no": "医师资格库中没有该证书编号，请先导入医师资格"})
        record = session.scalar(select(AssessmentResult).where(
            AssessmentResult.certificate_no == clean["certificate_no"], AssessmentResult.period == clean["period"]))
        if record is None:
            record = AssessmentResult(certificate_no=clean["certificate_no"], period=clean["period"])
            session.add(record)
        record.result, record.assessed_on, record.assessor = clean["result"], clean["assessed_on"], clean["assessor"]

    return _load(session, "assessments", rows, write, progress)


LOADERS: dict[str, Callable[..., ImportReport]] = {
    "divisions": import_divisions,
    "physician-qualifications": import_physician_qualifications,
    "institutions": import_institutions,
    "nurse-exams": import_nurse_exams,
    "assessments": import_assessments,
}
