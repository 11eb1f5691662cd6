"""The nurse register 护士注册库: five-year validity, the renewal window, expiry notices, the field rules the
nurse kinds share, the facts of an entry and the reasons that apply to most nurse business.

Pure: models/facts.py loads the facts, the kinds in pipeline/kinds/ decide with them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pipeline.fields import FieldError, Text, Widget, checked, positive_int, text
from pipeline.persons import ExamFacts, PersonFacts

VALID_YEARS = 5
EXPIRY_NOTICE_DAYS: tuple[int, ...] = (90, 30)
STATUS_LABELS: dict[str, str] = {"registered": "注册", "expired": "已过期", "cancelled": "注销"}
TITLES: tuple[str, ...] = ("护士", "护师", "主管护师", "副主任护师", "主任护师")
# Nurses who passed the exam before 2008 register at the counter (护士条例施行前的考试合格证明).
PRE2008_BEFORE_YEAR = 2008
FIRST_EXAM_YEAR = 1950


# --- field rules -----------------------------------------------------------------------------------------


def nurse_identifier(value: Any) -> str:
    clean = text(value, 19, 19, "电子化注册识别码").upper()
    if not clean.startswith("N"):
        raise FieldError("应为护士的电子化注册识别码（以N开头）", "format")
    if not re.fullmatch(r"N[0-9]{17}[0-9A-Z]", clean, re.ASCII):
        raise FieldError("电子化注册识别码格式错误", "format")
    return clean


def passed_year_before_2008(value: Any) -> int:
    year = positive_int(value, "考试合格年份")
    if not FIRST_EXAM_YEAR <= year < PRE2008_BEFORE_YEAR:
        raise FieldError(f"窗口办理的首次注册限{PRE2008_BEFORE_YEAR}年之前考试合格的护士（{FIRST_EXAM_YEAR}至{PRE2008_BEFORE_YEAR - 1}年）",
                         "out_of_range")
    return year


Department = Text("工作科室", 1, 50)
ExamCertificateNo = Text("护士执业资格考试合格证明编号", 5, 30, upper=True)
NurseIdentifier = checked(nurse_identifier, "护士", widget=Widget("staff"),
                          schema={"type": "string", "pattern": "^N[0-9]{17}[0-9A-Z]$"},
                          description="该护士的电子化注册识别码（机构代为申请时必填；护士本人申请时不填）")
PassedYearBefore2008 = checked(passed_year_before_2008, "考试合格年份", widget=Widget("number"),
                               schema={"type": "integer", "minimum": FIRST_EXAM_YEAR, "maximum": PRE2008_BEFORE_YEAR - 1},
                               description=f"限{PRE2008_BEFORE_YEAR}年之前考试合格的护士")


# --- validity --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NurseEntryFacts:
    identifier: str | None
    status: str  # registered | expired | cancelled
    institution_id: int
    valid_until: date


def years_later(day: date, years: int = VALID_YEARS) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def first_valid_until(registered_on: date) -> date:
    """A registration is valid for five years: until the day before the fifth anniversary."""
    return years_later(registered_on) - timedelta(days=1)


def renewed_until(valid_until: date) -> date:
    """An approved renewal adds five years to the current validity."""
    return years_later(valid_until)


def renewal_window(valid_until: date, window_days: int) -> tuple[date, date]:
    """(first day, last day) on which a renewal may be applied for."""
    return valid_until - timedelta(days=window_days), valid_until


def is_lapsed(entry: NurseEntryFacts, today: date) -> bool:
    return entry.status == "registered" and entry.valid_until < today


def due_notice(valid_until: date, today: date, sent: list[int] | tuple[int, ...]) -> int | None:
    """The threshold (days before expiry) to notify today, if any: the nearest one reached and not yet sent.
    Only the nearest is sent, so a nurse never gets a stale "90 days left" after a "30 days left"."""
    left = (valid_until - today).days
    if left < 0:
        return None
    reached = [days for days in EXPIRY_NOTICE_DAYS if left <= days]
    if not reached:
        return None
    nearest = min(reached)
    return None if nearest in sent else nearest


# --- reasons ---------------------------------------------------------------------------------------------


def registered_reasons(entry: NurseEntryFacts | None, what: str) -> list[str]:
    """Only a registered entry that holds an identifier takes further business."""
    if entry is None or not entry.identifier:
        return [f"尚无取得电子化注册识别码的护士注册，不能办理{what}"]
    if entry.status == "expired":
        return [f"护士注册已过期（有效期至{entry.valid_until.isoformat()}），不能办理{what}，请办理重新注册"]
    if entry.status != "registered":
        return [f"护士注册状态为“{STATUS_LABELS.get(entry.status, entry.status)}”，不能办理{what}"]
    return []


def exam_reasons(data: Mapping[str, Any], person: PersonFacts, exam: ExamFacts | None) -> list[str]:
    """Does the exam record exist, belong to this person, and allow an online first registration?"""
    if exam is None:
        return [f"未找到编号为{data.get('certificate_no', '')}的护士执业资格考试合格记录"]
    reasons = []
    if exam.name != person.name:
        reasons.append("护士执业资格考试记录中的姓名与申请人姓名不一致")
    if exam.id_number_hash != person.id_number_hash:
        reasons.append("护士执业资格考试记录中的身份证件号码与申请人不一致")
    if exam.passed_year < PRE2008_BEFORE_YEAR:
        reasons.append(f"{PRE2008_BEFORE_YEAR}年之前考试合格的护士，首次注册请到卫生健康行政部门窗口办理")
    return reasons
