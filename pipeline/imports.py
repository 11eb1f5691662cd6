"""The rows of `medreg import`: the columns of each kind (the outside contract, docs/import-formats.md) and
how one row is cleaned — every reason to refuse it, per column, in Chinese. Pure: reading the file, the
checks against the database and the writing are in models/imports/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import lru_cache, partial
from typing import Any

from pipeline import clock, codes
from pipeline.fields import REQUIRED, FieldError, choice, iso_date, text
from pipeline.persons import SEX_ALIASES, SEXES, resident_id, resident_id_birth_date, resident_sex
from pipeline.registers.institutions import uscc
from pipeline.registers.physicians import practice_scope

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
    "physicians": (
        "id_number", "name", "sex", "birth_date", "certificate_no", "level", "category", "practice_category",
        "practice_scopes", "institution_uscc", "registered_on", "registered_by",
    ),
    "nurses": (
        "id_number", "name", "sex", "birth_date", "certificate_no", "passed_year", "institution_uscc", "department",
        "registered_on", "valid_until", "registered_by",
    ),
}

LABELS: dict[str, str] = {
    "divisions": "行政区划",
    "physician-qualifications": "医师资格",
    "institutions": "医疗机构",
    "nurse-exams": "护士执业资格考试合格记录",
    "assessments": "医师定期考核结果",
    "physicians": "医师注册",
    "nurses": "护士注册",
}

# The order a whole country loads in: each kind refers only to kinds before it.
ORDER: tuple[str, ...] = (
    "divisions", "institutions", "physician-qualifications", "nurse-exams", "assessments", "physicians", "nurses",
)

FIRST_EXAM_YEAR = 1950
ASSESSMENT_RESULTS: tuple[str, ...] = ("合格", "基本合格", "不合格")
SEX_CHOICES: dict[str, str] = {**SEXES, **SEX_ALIASES}


class RowRefused(Exception):
    """Every reason one row is refused: column → Chinese reason ("*" for the row as a whole)."""

    def __init__(self, reasons: Mapping[str, str]) -> None:
        super().__init__(dict(reasons))
        self.reasons = dict(reasons)


def missing_columns(kind: str, header: Iterable[str] | None) -> list[str]:
    present = {name.strip() for name in header or ()}
    return [name for name in COLUMNS[kind] if name not in present]


def repeated_columns(kind: str, header: Iterable[str]) -> list[str]:
    """The kind's columns that the header names more than once: which of the cells is meant cannot be known."""
    names = [name.strip() for name in header]
    return [name for name in COLUMNS[kind] if names.count(name) > 1]


# The key under which a reader puts, in a row with non-blank cells beyond the header, the reason to refuse it
# as a whole (extra_cells_reason): an unquoted comma in an address, say, shifts every later cell. No kind has a
# column of that name, and the reader renames a header cell of that name.
EXTRA_CELLS = "*"
NUL_REASON = "不能含有空字符"


def extra_cells_reason(cells: int, columns: int) -> str:
    return f"该行有{cells}个单元格，多于表头的{columns}列（含逗号的内容应加英文双引号）"


# --- cell checks ---------------------------------------------------------------------------------------------


def division_code(value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", value):
        raise FieldError("行政区划代码应为6位数字（GB/T 2260）")
    if value[:2] == "00":
        raise FieldError("行政区划代码的省级代码不能为00")
    return value


def division_level(code: str) -> int:
    """1 province (XX0000), 2 prefecture (XXXX00), 3 county."""
    return 1 if code.endswith("0000") else 2 if code.endswith("00") else 3


def parent_reason(code: str, parent: str) -> str | None:
    """Why `parent` cannot be the division above `code` (None: it can, if it exists)."""
    if parent == code:
        return "上级行政区划不能是其本身"
    level = division_level(parent)
    if level >= division_level(code) or not code.startswith(parent[: 2 * level]):
        return f"{parent}不是{code}的上级行政区划"
    return None


_CERTIFICATE_NO = re.compile(r"[0-9A-Za-z]{6,30}")


def certificate_no(value: str) -> str:
    if not _CERTIFICATE_NO.fullmatch(value):
        raise FieldError("证书编号应为6至30位数字或字母")
    return value.upper()


def dated_not_future(what: str, today: date) -> Callable[[str], date]:
    def check(value: str) -> date:
        day = iso_date(value, what)
        if day > today:
            raise FieldError(f"{what}不能晚于今天")
        return day

    return check


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


def exam_year(today: date) -> Callable[[str], int]:
    def check(value: str) -> int:
        if not re.fullmatch(r"[0-9]{4}", value) or not FIRST_EXAM_YEAR <= int(value) <= today.year:
            raise FieldError(f"考试合格年份应为{FIRST_EXAM_YEAR}至今年之间的四位年份")
        return int(value)

    return check


def assessment_period(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}(-[0-9]{4})?", value) or (len(value) == 9 and int(value[5:]) <= int(value[:4])):
        raise FieldError("考核周期应为年份（如2024）或起止年份（如2022-2024）")
    return value


def scope_list(value: str) -> list[str]:
    """执业范围 names separated by ; (or ；): each known; checked against the practice category by the row."""
    return practice_scope([name for name in re.split(r"[;；]", value) if name.strip()] or [""], None)


def sized(high: int, what: str) -> Callable[[str], str]:
    return lambda value: text(value, 1, high, what)


def one_of(options: Mapping[str, str] | tuple[str, ...] | list[str], what: str) -> Callable[[str], str]:
    return lambda value: choice(value, options, what)


# --- rows ----------------------------------------------------------------------------------------------------

Cleaners = dict[str, Callable[[str], Any]]


def cells(row: Mapping[str, Any], cleaners: Cleaners, optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Apply a cleaner per column; blank optional columns become None. Raises RowRefused with every reason."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if EXTRA_CELLS in row:
        errors[EXTRA_CELLS] = row[EXTRA_CELLS]
    for name, cleaner in cleaners.items():
        value = row.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if name in optional:
                clean[name] = None
            else:
                errors[name] = REQUIRED
            continue
        if "\x00" in value:  # no text column can store it
            errors[name] = NUL_REASON
            continue
        try:
            clean[name] = cleaner(value)
        except FieldError as error:
            errors[name] = str(error)
    if errors:
        raise RowRefused(errors)
    return clean


# Columns whose values repeat across a register (a code, a date, an institution, a list of scopes): each distinct
# value is checked once per Cleaner. Never a person's ID number, name or certificate, nor a row's own key.
REPEATED = frozenset({
    "sex", "level", "category", "practice_category", "practice_scopes", "institution_uscc", "registered_on",
    "registered_by", "birth_date", "passed_year", "department", "valid_until", "division_code", "type", "departments",
    "beds", "issued_on", "period", "result", "assessed_on", "assessor", "parent_code",
})
REMEMBERED_VALUES = 1 << 16


def remembered(cleaner: Callable[[str], Any]) -> Callable[[str], Any]:
    """`cleaner` with its last REMEMBERED_VALUES clean values kept (a refused value is checked again each time);
    a list comes back as a new list each time, so no row shares one with another."""
    cached = lru_cache(maxsize=REMEMBERED_VALUES)(cleaner)

    def check(value: str) -> Any:
        clean = cached(value)
        return list(clean) if isinstance(clean, list) else clean

    return check


class Cleaner:
    """Cleans the rows of one kind as of `today`: `clean(row)` → the clean values, or RowRefused."""

    def __init__(self, kind: str, today: date | None = None) -> None:
        self.kind = kind
        self.today = today or clock.today()
        today_ = self.today
        # A birth date after the import's day is refused; that day is taken once, not from the clock per row.
        resident_id_ = partial(resident_id, today=today_)
        self.cleaners: Cleaners
        self.optional: frozenset[str] = frozenset()
        if kind == "divisions":
            self.cleaners = {"code": division_code, "name": sized(100, "名称"), "parent_code": division_code}
            self.optional = frozenset({"parent_code"})
        elif kind == "physician-qualifications":
            self.cleaners = {
                "certificate_no": certificate_no, "name": sized(50, "姓名"), "id_number": resident_id_,
                "level": one_of(codes.QUALIFICATION_LEVELS, "医师级别"),
                "category": one_of(codes.QUALIFICATION_CATEGORIES, "医师类别"),
                "issued_on": dated_not_future("发证日期", today_),
            }
            self.optional = frozenset({"issued_on"})
        elif kind == "institutions":
            self.cleaners = {
                "uscc": uscc, "name": sized(200, "机构名称"), "type": one_of(codes.institution_types(), "机构类别"),
                "division_code": division_code, "registered_by": division_code, "address": sized(300, "地址"),
                "beds": bed_count, "departments": department_list, "legal_rep": sized(50, "法定代表人"),
                "principal": sized(50, "主要负责人"), "phone": phone_number,
            }
            self.optional = frozenset({"address", "beds", "legal_rep", "principal", "phone"})
        elif kind == "nurse-exams":
            self.cleaners = {"certificate_no": certificate_no, "name": sized(50, "姓名"), "id_number": resident_id_,
                             "passed_year": exam_year(today_)}
        elif kind == "assessments":
            self.cleaners = {
                "certificate_no": certificate_no, "period": assessment_period,
                "result": one_of(ASSESSMENT_RESULTS, "考核结果"), "assessed_on": dated_not_future("考核日期", today_),
                "assessor": sized(200, "考核机构"),
            }
        elif kind == "physicians":
            self.cleaners = {
                "id_number": resident_id_, "name": sized(50, "姓名"), "sex": one_of(SEX_CHOICES, "性别"),
                "birth_date": lambda value: iso_date(value, "出生日期"), "certificate_no": certificate_no,
                "level": one_of(codes.QUALIFICATION_LEVELS, "医师级别"),
                "category": one_of(codes.QUALIFICATION_CATEGORIES, "医师类别"),
                "practice_category": one_of(codes.practice_categories(), "执业类别"), "practice_scopes": scope_list,
                "institution_uscc": uscc, "registered_on": dated_not_future("注册日期", today_),
                "registered_by": division_code,
            }
        elif kind == "nurses":
            self.cleaners = {
                "id_number": resident_id_, "name": sized(50, "姓名"), "sex": one_of(SEX_CHOICES, "性别"),
                "birth_date": lambda value: iso_date(value, "出生日期"), "certificate_no": certificate_no,
                "passed_year": exam_year(today_), "institution_uscc": uscc, "department": sized(50, "工作科室"),
                "registered_on": dated_not_future("注册日期", today_),
                "valid_until": lambda value: iso_date(value, "有效期至"), "registered_by": division_code,
            }
        else:
            raise KeyError(kind)
        self.cleaners = {name: remembered(cleaner) if name in REPEATED else cleaner for name, cleaner in self.cleaners.items()}

    def clean(self, row: Mapping[str, Any]) -> dict[str, Any]:
        clean = cells(row, self.cleaners, self.optional)
        if self.kind == "divisions" and clean["parent_code"] is not None:
            reason = parent_reason(clean["code"], clean["parent_code"])
            if reason:
                raise RowRefused({"parent_code": reason})
        if self.kind in ("physicians", "nurses"):
            person_reasons(clean)
        if self.kind == "physicians":
            outside = [s for s in clean["practice_scopes"] if (s, clean["practice_category"]) not in codes.scope_category_pairs()]
            if outside:
                raise RowRefused({"practice_scopes": f"执业范围{'、'.join(outside)}不属于{clean['practice_category']}类别"})
        if self.kind == "nurses" and clean["valid_until"] <= clean["registered_on"]:
            raise RowRefused({"valid_until": "有效期至应晚于注册日期"})
        return clean


def person_reasons(clean: Mapping[str, Any]) -> None:
    """The birth date and sex agree with the resident ID number, and registration came after birth."""
    number = clean["id_number"]
    reasons = {}
    if clean["birth_date"] != resident_id_birth_date(number):
        reasons["birth_date"] = "出生日期与身份证号码中的出生日期不一致"
    if clean["sex"] != resident_sex(number):
        reasons["sex"] = "性别与身份证号码不一致"
    if clean["registered_on"] <= clean["birth_date"]:
        reasons["registered_on"] = "注册日期应晚于出生日期"
    if reasons:
        raise RowRefused(reasons)
