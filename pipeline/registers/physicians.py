"""The physician register 医师注册库: its statuses and the reasons an entry leaves them, the field rules the
physician kinds share (practice category and scope, the identifier of a physician), the facts of an entry,
the reasons that apply to most physician business, and short-term practice that lapses by itself.

Pure: models/facts.py loads the facts, the kinds in pipeline/kinds/ decide with them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import ValidationInfo

from pipeline import codes
from pipeline.errors import ValidationFailed
from pipeline.fields import Choice, DataModel, Day, FieldError, Text, Widget, checked, text
from pipeline.persons import BirthDate, IdNumber, IdType, Mobile, Name, PersonFacts, QualificationFacts, Sex
from pipeline.registers.institutions import InstitutionId

STATUS_LABELS: dict[str, str] = {"registered": "注册", "filed": "备案（非在册）", "cancelled": "注销"}

# Why an institution files a physician's departure 注册备案 (the physician joins the non-registered pool).
DEPARTURE_REASONS: dict[str, str] = {
    "transfer": "调离", "retirement": "退休", "resignation": "退职", "dismissal": "被辞退", "expulsion": "被开除",
}
# Why an institution cancels a physician's registration 注销注册 (执业医师法第十六条).
CANCELLATION_REASONS: dict[str, str] = {
    "death": "死亡",
    "declared_missing": "被宣告失踪",
    "criminal_penalty": "受刑事处罚",
    "licence_revoked": "受吊销医师执业证书行政处罚",
    "assessment_failed": "定期考核不合格，暂停执业期满再次考核仍不合格",
    "suspended_two_years": "中止医师执业活动满二年",
    "incapacity": "不具有完全民事行为能力",
    "other": "其他",
}
# Set by the system, never chosen: a short-term practice registration that reached its end date.
SHORT_TERM_EXPIRED = "short_term_expired"
STATUS_REASON_LABELS: dict[str, str] = {**DEPARTURE_REASONS, **CANCELLATION_REASONS, SHORT_TERM_EXPIRED: "短期行医期满"}
TITLES: tuple[str, ...] = ("医士", "医师", "主治医师", "副主任医师", "主任医师")
# After a criminal penalty or a revoked licence, registration is refused for two years (执业医师法第十五条).
WAIT_YEARS_AFTER: dict[str, int] = {"criminal_penalty": 2, "licence_revoked": 2}
# Causes that never go away, or that need the counter: no re-registration on line.
NO_RE_REGISTRATION: dict[str, str] = {
    "death": "医师已因死亡注销注册，不能重新注册",
    SHORT_TERM_EXPIRED: "短期行医注册期满后，请到卫生健康委窗口重新办理短期行医",
}
# Practice category a qualification category allows.
CATEGORY_FOR_QUALIFICATION: dict[str, str] = {"临床": "临床", "中医": "中医", "口腔": "口腔", "公共卫生": "公共卫生"}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


# --- field rules -----------------------------------------------------------------------------------------


def practice_scope(value: Any, category: str | None) -> list[str]:
    """One scope or a non-empty list of scopes → sorted, de-duplicated, valid for `category` when given."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise FieldError("执业范围应为文本或非空列表", "type")
    if not all(isinstance(item, str) and item.strip() for item in values):
        raise FieldError("执业范围的每一项应为非空文本", "type")
    scopes = sorted({item.strip() for item in values})
    known = set(codes.practice_scopes())
    unknown = [scope for scope in scopes if scope not in known]
    if unknown:
        raise FieldError(f"不支持的执业范围：{'、'.join(unknown)}", "choice")
    if category is not None:
        pairs = codes.scope_category_pairs()
        outside = [scope for scope in scopes if (scope, category) not in pairs]
        if outside:
            raise FieldError(f"执业范围{'、'.join(outside)}不属于{category}类别", "mismatch")
    return scopes


def _scope_of_category(value: Any, info: ValidationInfo) -> list[str]:
    """Checked against the practice category given before it, when that one is valid."""
    return practice_scope(value, info.data.get("practice_category"))


def physician_identifier(value: Any) -> str:
    clean = text(value, 19, 19, "电子化注册识别码").upper()
    if not clean.startswith("D"):
        raise FieldError("应为医师的电子化注册识别码（以D开头）", "format")
    if not re.fullmatch(r"D[0-9]{17}[0-9A-Z]", clean, re.ASCII):
        raise FieldError("电子化注册识别码格式错误", "format")
    return clean


CertificateNo = Text("医师资格证书编号", 5, 30)
# As the counter enters it from a paper certificate: upper case, as the qualification database keeps it.
EnteredCertificateNo = Text("医师资格证书编号", 5, 30, upper=True)
PracticeCategory = Choice("执业类别", codes.practice_categories())
PracticeScope = checked(_scope_of_category, "执业范围", mode="info", widget=Widget("scopes", multiple=True),
                        schema={"anyOf": [{"type": "string", "enum": codes.practice_scopes()},
                                          {"type": "array", "items": {"type": "string", "enum": codes.practice_scopes()},
                                           "minItems": 1}]},
                        description="一项或多项，须属于所填执业类别，并在执业机构诊疗科目对应的执业范围内")
PhysicianIdentifier = checked(physician_identifier, "医师", widget=Widget("staff"),
                              schema={"type": "string", "pattern": "^D[0-9]{17}[0-9A-Z]$"},
                              description="该医师的电子化注册识别码（本机构在册医师）")


# --- short-term practice of physicians from Hong Kong, Macao, Taiwan and abroad (窗口业务) ---------------------

HMT_REGIONS: dict[str, str] = {"香港": "hk_macao_permit", "澳门": "hk_macao_permit", "台湾": "taiwan_permit"}


class ShortTermPractice(DataModel):
    """The person, their licence abroad, the host institution and the period."""

    name: Annotated[str, Name]
    sex: Annotated[str, Sex]
    birth_date: Annotated[date, BirthDate]
    id_type: Annotated[str, IdType]
    id_number: Annotated[str, IdNumber]
    licence_no: Annotated[str, Text("境外医师执业证书编号", 3, 30, upper=True)]
    institution_id: Annotated[int, InstitutionId]
    practice_category: Annotated[str, PracticeCategory]
    practice_scope: Annotated[list[str], PracticeScope]
    start_date: Annotated[date, Day("开始日期")]
    end_date: Annotated[date, Day("结束日期", description="期满次日注册自动注销")]
    mobile: Annotated[str, Mobile] | None = None


def short_term_period(start: date, end: date, max_days: int, most: str, today: date) -> None:
    """The start within a year from today (a practice planned, not a date mistyped), the end after the start, not
    past, and the period no longer than allowed."""
    if start > today + timedelta(days=366):
        raise ValidationFailed.one("start_date", "out_of_range", "开始日期不能晚于一年之后")
    if end <= start:
        raise ValidationFailed.one("end_date", "out_of_range", "结束日期应晚于开始日期")
    if end < today:
        raise ValidationFailed.one("end_date", "out_of_range", "结束日期已过")
    if (end - start).days > max_days:
        raise ValidationFailed.one("end_date", "out_of_range", f"短期行医期限不能超过{most}")


def region_matches_id_type(region: str, id_type: str) -> None:
    expected = HMT_REGIONS.get(region)
    if expected and id_type != expected:
        permit = "港澳居民来往内地通行证" if expected == "hk_macao_permit" else "台湾居民来往大陆通行证"
        raise ValidationFailed.one("id_type", "mismatch", f"{region}居民应使用{permit}")


# --- facts and reasons ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhysicianEntryFacts:
    """A physician register entry as the rules see it."""

    identifier: str | None
    status: str  # registered | filed | cancelled
    qualification_category: str
    practice_category: str
    practice_scopes: frozenset[str]
    main_institution_id: int
    institution_ids: frozenset[int]  # every current practice, the main one included
    status_reason: str = ""
    status_since: date | None = None
    valid_until: date | None = None


def qualification_reasons(data: Mapping[str, Any], person: PersonFacts, qualification: QualificationFacts | None) -> list[str]:
    """Does the qualification record exist and belong to this person and category?"""
    if qualification is None:
        return [f"未找到证书编号为{data.get('certificate_no', '')}的医师资格记录"]
    reasons = []
    if qualification.name != person.name:
        reasons.append("医师资格记录中的姓名与申请人姓名不一致")
    if qualification.id_number_hash != person.id_number_hash:
        reasons.append("医师资格记录中的身份证件号码与申请人不一致")
    category = data.get("practice_category")
    if CATEGORY_FOR_QUALIFICATION.get(qualification.category) != category:
        reasons.append(f"执业类别“{category}”与医师资格类别“{qualification.category}”不一致")
    return reasons


def entry_reasons(entry: PhysicianEntryFacts | None) -> list[str]:
    """Only an entry holding an identifier takes further business."""
    if entry is None:
        return ["尚无医师注册记录，请先办理医师首次注册"]
    if not entry.identifier:
        return ["医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]
    return []


def registered_reasons(entry: PhysicianEntryFacts | None) -> list[str]:
    """The entry holds an identifier and is registered (not filed or cancelled)."""
    reasons = entry_reasons(entry)
    if not reasons and entry is not None and entry.status != "registered":
        reasons.append(f"医师注册状态为“{status_label(entry.status)}”，不能办理此项业务")
    return reasons


def category_reasons(data: Mapping[str, Any], entry: PhysicianEntryFacts) -> list[str]:
    category = data.get("practice_category")
    if CATEGORY_FOR_QUALIFICATION.get(entry.qualification_category) != category:
        return [f"执业类别“{category}”与医师资格类别“{entry.qualification_category}”不一致"]
    return []


def staff_reasons(entry: PhysicianEntryFacts | None, institution_id: int | None, main_only: bool) -> list[str]:
    """An institution acts on one of its registered physicians (`main_only`: as their main institution)."""
    reasons = registered_reasons(entry)
    if reasons or entry is None:
        return reasons
    practising = entry.main_institution_id == institution_id if main_only else institution_id in entry.institution_ids
    if not practising:
        where = "以本机构为主要执业机构" if main_only else "在本机构执业"
        reasons.append(f"该医师不是{where}的在册医师")
    return reasons


def departure_ends_registration(entry: PhysicianEntryFacts, institution_id: int | None) -> bool:
    """A departure from the main institution files the whole entry; from a further institution it ends that practice."""
    return entry.main_institution_id == institution_id


def is_lapsed(valid_until: date | None, status: str, today: date) -> bool:
    """A short-term practice lapses the day after its end date."""
    return status == "registered" and valid_until is not None and valid_until < today


def departure_label(reason: str) -> str:
    return DEPARTURE_REASONS.get(reason, STATUS_REASON_LABELS.get(reason, reason))
