"""Input schemas of the nurse kinds 护士注册业务 and of personal info changes (photo, education, school, title).

Each `clean_*` returns a cleaned dict or raises ValidationFailed with one reason per bad field.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pipeline.fields import Cleaner, FieldError, choice, collect, finished, positive_int, text

MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_SIGNATURES: dict[bytes, str] = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
EDUCATIONS: tuple[str, ...] = ("中专", "大专", "本科", "硕士研究生", "博士研究生")
NURSE_TITLES: tuple[str, ...] = ("护士", "护师", "主管护师", "副主任护师", "主任护师")
PRE2008_BEFORE_YEAR = 2008
FIRST_EXAM_YEAR = 1950



def department(value: Any) -> str:
    return text(value, 1, 50, "工作科室")


def exam_certificate_no(value: Any) -> str:
    return text(value, 5, 30, "护士执业资格考试合格证明编号").upper()


def reason(value: Any) -> str:
    return text(value, 2, 200, "注销原因")


def registration_identifier(value: Any) -> str:
    value = text(value, 19, 19, "电子化注册识别码").upper()
    if not value.startswith("N"):
        raise FieldError("应为护士的电子化注册识别码（以N开头）")
    return value


def photo(value: Any) -> dict[str, str]:
    """A base64 JPEG or PNG (a data: URL is accepted), recognised by its first bytes, at most MAX_PHOTO_BYTES."""
    if not isinstance(value, str):
        raise FieldError("照片应为base64编码的JPEG或PNG图片")
    encoded = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    if len(encoded) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise FieldError(f"照片不能超过{MAX_PHOTO_BYTES // 1024 // 1024}MB")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise FieldError("照片应为base64编码的JPEG或PNG图片") from None
    if len(raw) > MAX_PHOTO_BYTES:
        raise FieldError(f"照片不能超过{MAX_PHOTO_BYTES // 1024 // 1024}MB")
    kind = next((mime for magic, mime in PHOTO_SIGNATURES.items() if raw.startswith(magic)), None)
    if kind is None:
        raise FieldError("照片只能是JPEG或PNG格式")
    return {"content_type": kind, "base64": base64.b64encode(raw).decode("ascii"), "bytes": len(raw)}


def clean_nurse_first_registration(data: Mapping) -> dict:
    return finished(*collect(data, {
        "certificate_no": exam_certificate_no,
        "institution_id": lambda v: positive_int(v, "执业机构编号"),
        "department": department,
    }))


def clean_nurse_practice(data: Mapping) -> dict:
    """nurse.change and nurse.re_registration: the (new) practice institution and department."""
    return finished(*collect(data, {
        "institution_id": lambda v: positive_int(v, "执业机构编号"),
        "department": department,
    }))


def clean_nurse_renewal(data: Mapping) -> dict:
    return finished(*collect(data, {}))


def clean_nurse_cancellation(data: Mapping) -> dict:
    """`identifier` names the nurse when the institution applies; a nurse applying leaves it out."""
    return finished(*collect(data, {"reason": reason}, {"identifier": registration_identifier}))


INFO_FIELDS: dict[str, Cleaner] = {
    "photo": photo,
    "education": lambda v: choice(v, EDUCATIONS, "学历"),
    "school": lambda v: text(v, 2, 100, "毕业学校"),
    "title": lambda v: text(v, 2, 50, "职称"),
}


def clean_nurse_info_change(data: Mapping) -> dict:
    clean, errors = collect(data, {}, {**INFO_FIELDS, "title": lambda v: choice(v, NURSE_TITLES, "职称"),
                                        "department": department})
    if not clean and not errors:
        errors["data"] = "请至少填写一项要变更的信息：照片、学历、毕业学校、职称或工作科室"
    return finished(clean, errors)


def passed_year_before_2008(value: Any, today: date | None = None) -> int:
    year = positive_int(value, "考试合格年份")
    if not FIRST_EXAM_YEAR <= year < PRE2008_BEFORE_YEAR:
        raise FieldError(f"窗口办理的首次注册限{PRE2008_BEFORE_YEAR}年之前考试合格的护士（{FIRST_EXAM_YEAR}至{PRE2008_BEFORE_YEAR - 1}年）")
    return year


def clean_nurse_pre2008_first_registration(data: Mapping, today: date | None = None) -> dict:
    """Entered at the counter: the person (as at sign-up, without a password), the exam record and the practice."""
    from pipeline import schemas  # schemas imports this module to register the nurse kinds

    today = today or date.today()
    clean, errors = collect(data, {
        "name": lambda v: text(v, 2, 30, "姓名"),
        "sex": lambda v: choice(v, schemas.SEXES, "性别"),
        "birth_date": lambda v: schemas._birth_date(v, today),
        "id_type": lambda v: choice(v, {k: k for k in schemas.ID_TYPES}, "证件类型"),
        "mobile": schemas.mobile,
        "certificate_no": exam_certificate_no,
        "passed_year": passed_year_before_2008,
        "institution_id": lambda v: positive_int(v, "执业机构编号"),
        "department": department,
    }, {"id_number": str})
    clean.pop("id_number", None)
    errors.pop("id_number", None)
    schemas._check_id_number(data, clean, errors)
    if "birth_date" in clean:
        clean["birth_date"] = clean["birth_date"].isoformat()  # application data is JSON
    return finished(clean, errors)


NURSE_SCHEMAS: dict[str, Callable[[Mapping], dict]] = {
    "nurse.first_registration": clean_nurse_first_registration,
    "nurse.change": clean_nurse_practice,
    "nurse.re_registration": clean_nurse_practice,
    "nurse.renewal": clean_nurse_renewal,
    "nurse.cancellation": clean_nurse_cancellation,
    "nurse.info_change": clean_nurse_info_change,
    "nurse.pre2008_first_registration": clean_nurse_pre2008_first_registration,
}
