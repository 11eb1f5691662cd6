"""Sample facts and helpers shared by the unit tests of pipeline/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from pipeline.codes import default_scope_map
from pipeline.errors import ValidationFailed
from pipeline.fields import CODES
from pipeline.persons import ExamFacts, PersonFacts, QualificationFacts
from pipeline.registers.institutions import InstitutionFacts
from pipeline.registers.nurses import NurseEntryFacts
from pipeline.registers.physicians import PhysicianEntryFacts

TODAY = date(2026, 6, 15)


def mod11_2(first17: str) -> str:
    """GB 11643 check character by the recursive ISO 7064 MOD 11-2 method (pipeline uses the weight table)."""
    p = 0
    for digit in first17:
        p = (p + int(digit)) * 2 % 11
    return "0123456789X"[(12 - p) % 11]


def resident_id(birth: date | str = date(1990, 3, 7), place: str = "110105", serial: str = "123") -> str:
    """A well-formed resident ID with a correct check character; `birth` may be a date or 8 raw digits."""
    first17 = place + (f"{birth:%Y%m%d}" if isinstance(birth, date) else birth) + serial
    return first17 + mod11_2(first17)


def wrong_check(number: str) -> str:
    """The same number with another check character."""
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def errors(clean: Callable[..., Any], data: Any, **kwargs: Any) -> dict[str, tuple[str, str]]:
    """{field: (Chinese reason, code)} of data that `clean` refuses; every code must be a documented one."""
    with pytest.raises(ValidationFailed) as refused:
        clean(data, **kwargs)
    failed = refused.value
    assert set(failed.codes) == set(failed.fields)
    assert set(failed.codes.values()) <= set(CODES), failed.codes
    return {name: (reason, failed.codes[name]) for name, reason in failed.fields.items()}


# --- facts ---------------------------------------------------------------------------------------------

PHYSICIAN = PersonFacts("张三", "hash-a", "physician")
NURSE = PersonFacts("李四", "hash-a", "nurse")
QUALIFICATION = QualificationFacts("110110000001", "张三", "hash-a", "执业医师", "临床")
EXAM = ExamFacts("N2015000000001", "李四", "hash-a", 2015)
INST = InstitutionFacts(12, "朝阳医院", "H11010520260000001X", "operating", "110105", "110105",
                        frozenset({"内科", "重症医学科"}), default_scope_map())
OTHER = replace(INST, id=13, name="海淀医院")
PHYSICIAN_ENTRY = PhysicianEntryFacts("D11010520260000001X", "registered", "临床", "临床", frozenset({"内科专业"}), 12,
                                      frozenset({12}))
NURSE_ENTRY = NurseEntryFacts("N11010520260000001X", "registered", 12, date(2026, 7, 1))


def institution(status: str = "operating", identifier: str | None = "H11010520260000002X") -> InstitutionFacts:
    """An institution doing its own business (the old tests' 朝阳康复医院)."""
    return InstitutionFacts(20, "朝阳康复医院", identifier, status, "110105", "110105", frozenset({"内科"}))


STATUSES = ("setup", "operating", "suspended", "cancelled")
STATUS_TEXT = {"setup": "已设置审批（未执业登记）", "operating": "执业中", "suspended": "已停业", "cancelled": "已注销"}
NO_IDENTIFIER = "医疗机构“朝阳康复医院”尚未取得电子化注册识别码，不能办理后续业务"
