"""Input schemas of the physician business after the first registration 医师注册业务, and of the physician counter
business 窗口业务. Each `clean_*` returns a cleaned dict or raises ValidationFailed with one reason per bad field.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pipeline import codes
from pipeline.fields import FieldError, choice, collect, finished, iso_date, positive_int, text
from pipeline.nurse_schemas import INFO_FIELDS

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
STATUS_REASON_LABELS: dict[str, str] = {
    **DEPARTURE_REASONS, **CANCELLATION_REASONS, SHORT_TERM_EXPIRED: "短期行医期满",
}
PHYSICIAN_TITLES: tuple[str, ...] = ("医士", "医师", "主治医师", "副主任医师", "主任医师")
HMT_REGIONS: dict[str, str] = {"香港": "hk_macao_permit", "澳门": "hk_macao_permit", "台湾": "taiwan_permit"}
# Longest short-term practice, in days: 港澳台医师 up to three years, 外国医师 up to one year.
SHORT_TERM_MAX_DAYS: dict[str, int] = {
    "physician.hmt_short_term_practice": 3 * 365 + 1,
    "physician.foreign_short_term_practice": 365,
}

Cleaner = Callable[[Any], Any]


def _coded(options: dict[str, str], what: str) -> Cleaner:
    """A reason given by its code (`retirement`) or its Chinese label (`退休`) → the code."""
    spellings = {**{code: code for code in options}, **{label: code for code, label in options.items()}}

    def clean(value: Any) -> str:
        try:
            return choice(value, spellings, what)
        except FieldError:
            # Name the choices as a person reads them (退休), not as the API codes them (retirement).
            raise FieldError(f"{what}应为以下之一：{'、'.join(options.values())}") from None

    return clean


def physician_identifier(value: Any) -> str:
    value = text(value, 19, 19, "电子化注册识别码").upper()
    if not value.startswith("D"):
        raise FieldError("应为医师的电子化注册识别码（以D开头）")
    return value


def not_after_today(what: str, today: date | None = None) -> Cleaner:
    def clean(value: Any) -> str:
        day = iso_date(value, what)
        if day > (today or date.today()):
            raise FieldError(f"{what}不能晚于今天")
        return day.isoformat()  # application data is JSON
    return clean


def institution_id(value: Any) -> int:
    return positive_int(value, "执业机构编号")


def _with_scope(data: Mapping, required: dict[str, Cleaner],
                optional: dict[str, Cleaner] | None = None) -> tuple[dict, dict]:
    """Clean `required` plus practice_category and practice_scope (the scope is checked against the category)."""
    from pipeline.schemas import practice_scope  # schemas imports this module to register the kinds

    fields = {**required, "practice_category": lambda v: choice(v, codes.practice_categories(), "执业类别"),
              "practice_scope": lambda v: v}
    clean, errors = collect(data, fields, optional)
    if "practice_scope" in clean:
        try:
            clean["practice_scope"] = practice_scope(clean["practice_scope"], clean.get("practice_category"))
        except FieldError as error:
            del clean["practice_scope"]
            errors["practice_scope"] = str(error)
    return clean, errors


def clean_physician_change(data: Mapping) -> dict:
    """The new state of the practice: institution (may stay the same), practice category and scope."""
    return finished(*_with_scope(data, {"institution_id": institution_id}))


def clean_physician_multi_site_filing(data: Mapping) -> dict:
    return finished(*collect(data, {"institution_id": institution_id}))


def clean_physician_re_registration(data: Mapping) -> dict:
    return finished(*_with_scope(data, {
        "institution_id": institution_id,
        "statement": lambda v: text(v, 2, 500, "情况说明"),
    }))


def clean_physician_info_change(data: Mapping) -> dict:
    clean, errors = collect(data, {}, {**INFO_FIELDS, "title": lambda v: choice(v, PHYSICIAN_TITLES, "职称")})
    if not clean and not errors:
        errors["data"] = "请至少填写一项要变更的信息：照片、学历、毕业学校或职称"
    return finished(clean, errors)


def clean_physician_departure_filing(data: Mapping, today: date | None = None) -> dict:
    return finished(*collect(data, {
        "identifier": physician_identifier,
        "reason": _coded(DEPARTURE_REASONS, "备案原因"),
        "left_on": not_after_today("离岗日期", today),
    }, {"comment": lambda v: text(v, 1, 200, "说明")}))


def clean_physician_cancellation(data: Mapping, today: date | None = None) -> dict:
    clean, errors = collect(data, {
        "identifier": physician_identifier,
        "reason": _coded(CANCELLATION_REASONS, "注销原因"),
        "occurred_on": not_after_today("发生日期", today),
    }, {"comment": lambda v: text(v, 1, 200, "说明")})
    if clean.get("reason") == "other" and "comment" not in clean and "comment" not in errors:
        errors["comment"] = "注销原因为“其他”时须填写说明"
    return finished(clean, errors)


# --- counter business 窗口业务 ------------------------------------------------------------------


def _person_fields() -> dict[str, Cleaner]:
    from pipeline import schemas

    return {
        "name": lambda v: text(v, 2, 30, "姓名"),
        "id_type": lambda v: choice(v, {k: k for k in schemas.ID_TYPES}, "证件类型"),
    }


def _id_number(data: Mapping, clean: dict, errors: dict) -> None:
    """Check id_number by id_type (as at sign-up); a birth date, when given, must match a resident ID."""
    from pipeline import schemas

    schemas._check_id_number(data, clean, errors)


def _qualification(data: Mapping, extra: dict[str, Cleaner], today: date) -> tuple[dict, dict]:
    clean, errors = collect(data, {
        **_person_fields(),
        "certificate_no": lambda v: text(v, 5, 30, "医师资格证书编号").upper(),
        "level": lambda v: choice(v, codes.QUALIFICATION_LEVELS, "医师级别"),
        "category": lambda v: choice(v, codes.QUALIFICATION_CATEGORIES, "资格类别"),
        "issued_on": not_after_today("资格取得日期", today),
        **extra,
    }, {"id_number": str})
    clean.pop("id_number", None)
    errors.pop("id_number", None)
    _id_number(data, clean, errors)
    return clean, errors


def _region_matches_id_type(clean: dict, errors: dict) -> None:
    expected = HMT_REGIONS.get(clean.get("region", ""))
    if expected and clean.get("id_type") not in (expected, None) and "id_type" not in errors:
        errors["id_type"] = f"{clean['region']}居民应使用{'港澳居民来往内地通行证' if expected == 'hk_macao_permit' else '台湾居民来往大陆通行证'}"


def clean_physician_qualification_backfill(data: Mapping, today: date | None = None) -> dict:
    """补录"老人"资格: a qualification obtained before the qualification database, entered from the paper record."""
    return finished(*_qualification(data, {}, today or date.today()))


def clean_physician_hmt_qualification_recognition(data: Mapping, today: date | None = None) -> dict:
    clean, errors = _qualification(data, {"region": lambda v: choice(v, list(HMT_REGIONS), "地区")}, today or date.today())
    _region_matches_id_type(clean, errors)
    return finished(clean, errors)


def _short_term(kind: str, data: Mapping, origin: dict[str, Cleaner], today: date) -> tuple[dict, dict]:
    """A short-term practice registration: the person, their licence abroad, the host institution and the period."""
    from pipeline import schemas

    required = {
        **_person_fields(),
        **origin,
        "sex": lambda v: choice(v, schemas.SEXES, "性别"),
        "birth_date": lambda v: schemas._birth_date(v, today),
        "licence_no": lambda v: text(v, 3, 30, "境外医师执业证书编号").upper(),
        "institution_id": institution_id,
        "start_date": lambda v: iso_date(v, "开始日期"),
        "end_date": lambda v: iso_date(v, "结束日期"),
    }
    clean, errors = _with_scope(data, required, {"id_number": str, "mobile": schemas.mobile})
    clean.pop("id_number", None)
    errors.pop("id_number", None)
    _id_number(data, clean, errors)
    start, end = clean.get("start_date"), clean.get("end_date")
    if start and end:
        if end <= start:
            errors["end_date"] = "结束日期应晚于开始日期"
        elif end < today:
            errors["end_date"] = "结束日期已过"
        elif (end - start).days > SHORT_TERM_MAX_DAYS[kind]:
            errors["end_date"] = f"短期行医期限不能超过{'三年' if SHORT_TERM_MAX_DAYS[kind] > 365 else '一年'}"
    for key in ("start_date", "end_date", "birth_date"):
        if key in clean:
            clean[key] = clean[key].isoformat()  # application data is JSON
    return clean, errors


def clean_physician_hmt_short_term_practice(data: Mapping, today: date | None = None) -> dict:
    kind = "physician.hmt_short_term_practice"
    clean, errors = _short_term(kind, data, {"region": lambda v: choice(v, list(HMT_REGIONS), "地区")}, today or date.today())
    _region_matches_id_type(clean, errors)
    return finished(clean, errors)


def clean_physician_foreign_short_term_practice(data: Mapping, today: date | None = None) -> dict:
    kind = "physician.foreign_short_term_practice"
    clean, errors = _short_term(kind, data, {"nationality": lambda v: text(v, 2, 50, "国籍")}, today or date.today())
    if clean.get("id_type") not in (None, "passport", "foreign_permanent") and "id_type" not in errors:
        errors["id_type"] = "外国医师应使用护照或外国人永久居留身份证"
    return finished(clean, errors)


PHYSICIAN_SCHEMAS: dict[str, Callable[[Mapping], dict]] = {
    "physician.change": clean_physician_change,
    "physician.multi_site_filing": clean_physician_multi_site_filing,
    "physician.re_registration": clean_physician_re_registration,
    "physician.info_change": clean_physician_info_change,
    "physician.departure_filing": clean_physician_departure_filing,
    "physician.cancellation": clean_physician_cancellation,
    "physician.qualification_backfill": clean_physician_qualification_backfill,
    "physician.hmt_qualification_recognition": clean_physician_hmt_qualification_recognition,
    "physician.hmt_short_term_practice": clean_physician_hmt_short_term_practice,
    "physician.foreign_short_term_practice": clean_physician_foreign_short_term_practice,
}
