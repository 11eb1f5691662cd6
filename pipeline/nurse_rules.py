"""Rules of the nurse register: validity, the renewal window, and the reasons to refuse each nurse kind.

Pure: the workers load the facts (workers/nurses.py) and record what these functions say.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.nurse_schemas import PRE2008_BEFORE_YEAR
from pipeline.verification import InstitutionFacts, PersonFacts, institution_reasons

VALID_YEARS = 5
EXPIRY_NOTICE_DAYS: tuple[int, ...] = (90, 30)
NURSE_STATUS_LABELS: dict[str, str] = {"registered": "注册", "expired": "已过期", "cancelled": "注销"}


@dataclass(frozen=True)
class ExamFacts:
    certificate_no: str
    name: str
    id_number_hash: str
    passed_year: int


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


def _duplicate(open_duplicate: bool, label: str) -> list[str]:
    return [f"已有一件未办结的{label}申请，不能重复申请"] if open_duplicate else []


def _is_nurse(person: PersonFacts) -> list[str]:
    return [] if person.profession == "nurse" else ["申请人不是护士，不能办理护士注册业务"]


def _registered_entry(entry: NurseEntryFacts | None, what: str) -> list[str]:
    """Only a registered entry that holds an identifier takes further business."""
    if entry is None or not entry.identifier:
        return [f"尚无取得电子化注册识别码的护士注册，不能办理{what}"]
    if entry.status == "expired":
        return [f"护士注册已过期（有效期至{entry.valid_until.isoformat()}），不能办理{what}，请办理重新注册"]
    if entry.status != "registered":
        return [f"护士注册状态为“{NURSE_STATUS_LABELS.get(entry.status, entry.status)}”，不能办理{what}"]
    return []


def exam_reasons(data: Mapping, person: PersonFacts, exam: ExamFacts | None) -> list[str]:
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


def verify_nurse_first_registration(data: Mapping, person: PersonFacts, exam: ExamFacts | None,
                                    institution: InstitutionFacts | None, entry: NurseEntryFacts | None,
                                    open_duplicate: bool) -> list[str]:
    reasons = _is_nurse(person) + exam_reasons(data, person, exam) + institution_reasons(institution)
    if entry is not None:
        reasons.append("申请人已有护士注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）")
    return reasons + _duplicate(open_duplicate, "护士首次注册")


def verify_nurse_change(person: PersonFacts, entry: NurseEntryFacts | None, institution: InstitutionFacts | None,
                        open_duplicate: bool) -> list[str]:
    reasons = _is_nurse(person) + _registered_entry(entry, "变更注册") + institution_reasons(institution)
    return reasons + _duplicate(open_duplicate, "护士变更注册")


def verify_nurse_re_registration(person: PersonFacts, entry: NurseEntryFacts | None,
                                 institution: InstitutionFacts | None, open_duplicate: bool) -> list[str]:
    reasons = _is_nurse(person)
    if entry is None or not entry.identifier:
        reasons.append("尚无护士注册记录，请办理首次注册")
    elif entry.status == "registered":
        reasons.append("护士注册仍在有效期内，无需重新注册（可办理延续或变更注册）")
    reasons += institution_reasons(institution)
    return reasons + _duplicate(open_duplicate, "护士重新注册")


def verify_nurse_renewal(person: PersonFacts, entry: NurseEntryFacts | None, institution: InstitutionFacts | None,
                         open_duplicate: bool, today: date, window_days: int) -> list[str]:
    reasons = _is_nurse(person) + _registered_entry(entry, "延续注册")
    if not reasons and entry is not None:
        opens, closes = renewal_window(entry.valid_until, window_days)
        if today < opens:
            reasons.append(f"延续注册应在有效期届满前{window_days}日内申请：有效期至{entry.valid_until.isoformat()}，"
                           f"可于{opens.isoformat()}起申请")
        elif today > closes:
            reasons.append(f"护士注册已于{entry.valid_until.isoformat()}届满，不能延续注册，请办理重新注册")
    reasons += institution_reasons(institution)
    return reasons + _duplicate(open_duplicate, "护士延续注册")


def verify_nurse_cancellation(person: PersonFacts, entry: NurseEntryFacts | None, institution_id: int | None,
                              open_duplicate: bool) -> list[str]:
    reasons = _is_nurse(person)
    if entry is None or not entry.identifier:
        reasons.append("尚无取得电子化注册识别码的护士注册，无需注销")
    elif entry.status == "cancelled":
        reasons.append("护士注册已注销")
    elif entry.institution_id != institution_id:
        reasons.append("只能由护士注册所在的执业机构确认或申请注销")
    return reasons + _duplicate(open_duplicate, "护士注销注册")


def verify_nurse_info_change(person: PersonFacts, entry: NurseEntryFacts | None, open_duplicate: bool) -> list[str]:
    reasons = _is_nurse(person)
    if entry is None or not entry.identifier:
        reasons.append("尚无取得电子化注册识别码的护士注册，不能变更个人信息")
    elif entry.status == "cancelled":
        reasons.append("护士注册已注销，不能变更个人信息")
    return reasons + _duplicate(open_duplicate, "护士个人信息变更")
