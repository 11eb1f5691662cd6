"""Input schemas: sign-up and the data of each application kind.

Each `clean_*` returns a cleaned dict or raises ValidationFailed with one reason per bad field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from pipeline import codes
from pipeline.errors import ValidationFailed
from pipeline.fields import REQUIRED, FieldError, age_on, choice, collect, finished, iso_date, positive_int, text
from pipeline.kinds import get_kind
from pipeline.nurse_schemas import NURSE_SCHEMAS
from pipeline.institution_rules import INSTITUTION_SCHEMAS
from pipeline.physician_schemas import PHYSICIAN_SCHEMAS

PROFESSIONS: dict[str, str] = {"physician": "physician", "nurse": "nurse"}
SEXES: dict[str, str] = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
ID_TYPES: dict[str, str] = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent": "外国人永久居留身份证",
}
MIN_AGE, MAX_AGE = 16, 100

Cleaner = Callable[[Any], Any]


def _require_mapping(data: Any, field: str) -> Mapping:
    if not isinstance(data, Mapping):
        raise ValidationFailed({field: "请求内容应为JSON对象"})
    return data


# --- sign-up -------------------------------------------------------------------------


def _birth_date(value: Any, today: date) -> date:
    birth = iso_date(value, "出生日期")
    if birth > today:
        raise FieldError("出生日期不能晚于今天")
    if not MIN_AGE <= age_on(birth, today) <= MAX_AGE:
        raise FieldError(f"年龄应在{MIN_AGE}至{MAX_AGE}岁之间")
    return birth


def resident_id(value: Any) -> str:
    """A checksummed 18-character resident ID number (GB 11643), uppercase X."""
    if not isinstance(value, str):
        raise FieldError("身份证号码应为文本")
    try:
        return ric.validate(value)
    except stdnum_errors.InvalidLength:
        raise FieldError("身份证号码应为18位") from None
    except stdnum_errors.InvalidFormat:
        raise FieldError("身份证号码前17位应为数字") from None
    except stdnum_errors.InvalidChecksum:
        raise FieldError("身份证号码校验位错误") from None
    except stdnum_errors.ValidationError:
        raise FieldError("身份证号码中的出生日期或地区码无效") from None


def other_id(value: Any) -> str:
    """A passport or permit number: 5–30 letters and digits."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{5,30}", value.strip()):
        raise FieldError("证件号码应为5至30位字母或数字")
    return value.strip().upper()


def mobile(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"1[3-9][0-9]{9}", value.strip()):
        raise FieldError("手机号码应为11位中国大陆手机号")
    return value.strip()


def password(value: Any) -> str:
    if not isinstance(value, str) or not 8 <= len(value) <= 128:
        raise FieldError("密码长度应为8至128个字符")
    if not re.search(r"[A-Za-z]", value) or not re.search(r"[0-9]", value):
        raise FieldError("密码应同时包含字母和数字")
    return value


def _check_id_number(data: Mapping, clean: dict[str, Any], errors: dict[str, str]) -> None:
    """Validate id_number by id_type, and its encoded birth date against birth_date."""
    value = data.get("id_number")
    if value is None or (isinstance(value, str) and not value.strip()):
        errors["id_number"] = REQUIRED
        return
    if "id_type" not in clean:
        return  # the id_type error says what is wrong
    try:
        if clean["id_type"] == "resident_id":
            number = resident_id(value)
            birth = clean.get("birth_date")
            if birth is not None and ric.get_birth_date(number) != birth:
                raise FieldError("身份证号码中的出生日期与所填出生日期不一致")
        else:
            number = other_id(value)
        clean["id_number"] = number
    except FieldError as error:
        errors["id_number"] = str(error)


def clean_signup(data: Mapping, today: date | None = None) -> dict:
    """Clean a real-name sign-up; unknown keys are ignored."""
    data = _require_mapping(data, "body")
    today = today or date.today()
    clean, errors = collect(data, {
        "profession": lambda v: choice(v, PROFESSIONS, "职业"),
        "name": lambda v: text(v, 2, 30, "姓名"),
        "sex": lambda v: choice(v, SEXES, "性别"),
        "birth_date": lambda v: _birth_date(v, today),
        "id_type": lambda v: choice(v, {k: k for k in ID_TYPES}, "证件类型"),
        "mobile": mobile,
        "password": password,
        "institution_id": lambda v: positive_int(v, "机构编号"),
    }, refuse_unknown=False)
    _check_id_number(data, clean, errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


# --- applications --------------------------------------------------------------------


def practice_scope(value: Any, category: str | None) -> list[str]:
    """One scope or a non-empty list of scopes → sorted, de-duplicated, valid for category."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise FieldError("执业范围应为文本或非空列表")
    if not all(isinstance(item, str) and item.strip() for item in values):
        raise FieldError("执业范围的每一项应为非空文本")
    scopes = sorted({item.strip() for item in values})
    known = set(codes.practice_scopes())
    unknown = [scope for scope in scopes if scope not in known]
    if unknown:
        raise FieldError(f"不支持的执业范围：{'、'.join(unknown)}")
    if category is not None:
        pairs = codes.scope_category_pairs()
        outside = [scope for scope in scopes if (scope, category) not in pairs]
        if outside:
            raise FieldError(f"执业范围{'、'.join(outside)}不属于{category}类别")
    return scopes


def clean_physician_first_registration(data: Mapping) -> dict:
    given = data.get("practice_category")
    # A scope is checked against the category when the category itself is valid.
    category = given.strip() if isinstance(given, str) and given.strip() in codes.practice_categories() else None
    return finished(*collect(data, {
        "certificate_no": lambda v: text(v, 5, 30, "医师资格证书编号"),
        "practice_category": lambda v: choice(v, codes.practice_categories(), "执业类别"),
        "practice_scope": lambda v: practice_scope(v, category),
        "institution_id": lambda v: positive_int(v, "执业机构编号"),
    }))


SCHEMAS: dict[str, Callable[[Mapping], dict]] = {
    "physician.first_registration": clean_physician_first_registration,
}
SCHEMAS.update(NURSE_SCHEMAS)
SCHEMAS.update(INSTITUTION_SCHEMAS)
SCHEMAS.update(PHYSICIAN_SCHEMAS)


def clean_application(kind: str, data: Mapping) -> dict:
    """Clean the `data` of an application of `kind`."""
    get_kind(kind)
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise ValidationFailed({"kind": "该业务类型暂未开放"})
    return schema(_require_mapping(data, "data"))
