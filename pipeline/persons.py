"""Persons: who a physician or nurse is (name, sex, birth date, ID document, mobile) and the facts the rules
compare applications with — the person, and their records in the qualification and nurse exam databases."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from operator import mul
from typing import Any

from pydantic import ValidationInfo

from pipeline import clock
from pipeline.fields import Choice, FieldError, Text, Widget, age_on, checked, iso_date, today_of

PROFESSIONS: dict[str, str] = {"physician": "医师", "nurse": "护士"}
SEXES: dict[str, str] = {"男": "男", "女": "女"}
SEX_ALIASES: dict[str, str] = {"m": "男", "f": "女", "male": "男", "female": "女"}
ID_TYPES: dict[str, str] = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent": "外国人永久居留身份证",
}
MIN_AGE, MAX_AGE = 16, 100

# The first two digits of a resident ID: the province-level division (GB/T 2260) that issued it, and
# 81/82/83 of the residence permits of Hong Kong, Macao and Taiwan residents.
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
        "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
    ]
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ZERO_WEIGHT = ord("0") * sum(_WEIGHTS)
_RESIDENT_ID_FORM = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


# --- checks -----------------------------------------------------------------------------------------


def resident_id_check_character(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    if len(first17) != len(_WEIGHTS) or not (first17.isascii() and first17.isdigit()):
        raise ValueError("the check character is of 17 digits")
    # Checked for every ID number of a national load (tens of millions of rows): the digits' character codes
    # weighted in C, less what the weights give the code of "0", is the weighted sum (2.8 → 0.6 µs).
    return _CHECK[(sum(map(mul, first17.encode(), _WEIGHTS)) - _ZERO_WEIGHT) % 11]


def resident_id(value: Any, today: date | None = None) -> str:
    """An 18-character resident ID number (GB 11643), uppercase X.

    Checked: the form, a known province prefix, a real birth date not in the future, and the check character.
    Not checked: whether the county code was in force on the birth date — a number keeps the code of the
    division that issued it, and divisions are renamed and merged since.
    """
    if not isinstance(value, str):
        raise FieldError("身份证号码应为文本", "type")
    number = value.strip().upper()
    if len(number) != 18:
        raise FieldError("身份证号码应为18位", "format")
    if not _RESIDENT_ID_FORM.fullmatch(number):
        raise FieldError("身份证号码前17位应为数字，最后一位为数字或X", "format")
    if number[:2] not in PROVINCE_PREFIXES:
        raise FieldError("身份证号码的前两位不是有效的省级行政区划代码", "format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise FieldError("身份证号码中的出生日期无效", "date") from None
    if birth.year < 1900 or birth > (today or clock.today()):
        raise FieldError("身份证号码中的出生日期无效", "date")
    if resident_id_check_character(number[:17]) != number[17]:
        raise FieldError("身份证号码校验位错误", "checksum")
    return number


def resident_id_birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def resident_sex(number: str) -> str:
    """GB 11643: the 17th digit is odd for a man, even for a woman."""
    return "男" if int(number[16]) % 2 else "女"


def other_id(value: Any) -> str:
    """A passport or permit number: 5–30 letters and digits."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{5,30}", value.strip()):
        raise FieldError("证件号码应为5至30位字母或数字", "format")
    return value.strip().upper()


def id_number(value: Any, id_type: str, birth: date | None, today: date | None = None, sex: str | None = None) -> str:
    """An ID number of `id_type`; a resident ID must encode `birth` and `sex` when they are given."""
    if id_type != "resident_id":
        return other_id(value)
    number = resident_id(value, today)
    if birth is not None and resident_id_birth_date(number) != birth:
        raise FieldError("身份证号码中的出生日期与所填出生日期不一致", "mismatch")
    if sex in SEXES and resident_sex(number) != sex:
        raise FieldError("身份证号码中的性别与所填性别不一致", "mismatch")
    return number


def mobile(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"1[3-9][0-9]{9}", value.strip()):
        raise FieldError("手机号码应为11位中国大陆手机号", "format")
    return value.strip()


# --- how a number is shown where it must not be read in full -----------------------------------------------


def masked(text: str, head: int, tail: int) -> str:
    """`text` with all but its first `head` and last `tail` characters as `*` (all of it when nothing would be hidden)."""
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail:]


def mask_mobile(number: str | None) -> str:
    """A mobile as answers, pages, audit entries and institution histories show it: 138****0002 (the first three and
    last four digits); anything that is not 11 characters — a number kept in an older form — is only ****."""
    return masked(number, 3, 4) if number and len(number) == 11 else "****"


def password(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError("密码应为文本", "type")
    if not 8 <= len(value) <= 128:
        raise FieldError("密码长度应为8至128个字符", "too_short" if len(value) < 8 else "too_long")
    if not re.search(r"[A-Za-z]", value) or not re.search(r"[0-9]", value):
        raise FieldError("密码应同时包含字母和数字", "format")
    return value


def birth_date(value: Any, today: date) -> date:
    birth = iso_date(value, "出生日期")
    if birth > today:
        raise FieldError("出生日期不能晚于今天", "future")
    if not MIN_AGE <= age_on(birth, today) <= MAX_AGE:
        raise FieldError(f"年龄应在{MIN_AGE}至{MAX_AGE}岁之间", "out_of_range")
    return birth


# --- field rules (Annotated[str, Name] …) ------------------------------------------------------------------

Name = Text("姓名", 2, 30)
Sex = Choice("性别", SEXES, aliases=SEX_ALIASES)  # m/f/male/female are accepted too; the form offers 男 and 女
IdType = Choice("证件类型", ID_TYPES)
BirthDate = checked(birth_date, "出生日期", schema={"type": "string", "format": "date"}, widget=Widget("date"),
                    description=f"YYYY-MM-DD；年龄{MIN_AGE}至{MAX_AGE}岁", mode="dated")
Mobile = checked(mobile, "手机号码", schema={"type": "string", "pattern": "^1[3-9][0-9]{9}$"})
Password = checked(password, "密码", schema={"type": "string", "minLength": 8, "maxLength": 128},
                   widget=Widget("password"), description="8至128个字符，须同时包含字母和数字")


def _id_number(value: Any, info: ValidationInfo) -> str:
    """Checked by the `id_type` given before it (and against `birth_date` and `sex`, when given before it)."""
    if "id_type" not in info.data:
        if not isinstance(value, str):
            raise FieldError("证件号码应为文本", "type")
        return value  # the id_type's own reason says what is wrong
    return id_number(value, info.data["id_type"], info.data.get("birth_date"), today_of(info), info.data.get("sex"))


IdNumber = checked(_id_number, "证件号码", schema={"type": "string", "minLength": 5, "maxLength": 30},
                   description="居民身份证为18位（末位校验位按GB 11643，可为X）；其他证件为5至30位字母或数字", mode="info")


# --- personal information a person keeps up to date (个人信息变更) ----------------------------------------------

MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_SIGNATURES: dict[bytes, str] = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
EDUCATIONS: tuple[str, ...] = ("中专", "大专", "本科", "硕士研究生", "博士研究生")
INFO_LABELS: dict[str, str] = {"photo": "照片", "education": "学历", "school": "毕业学校", "title": "职称", "department": "工作科室"}


def photo(value: Any) -> dict[str, Any]:
    """A base64 JPEG or PNG (a data: URL is accepted), recognised by its first bytes, at most MAX_PHOTO_BYTES."""
    if not isinstance(value, str):
        raise FieldError("照片应为base64编码的JPEG或PNG图片", "type")
    encoded = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    if len(encoded) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise FieldError(f"照片不能超过{MAX_PHOTO_BYTES // 1024 // 1024}MB", "too_large")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise FieldError("照片应为base64编码的JPEG或PNG图片", "format") from None
    if len(raw) > MAX_PHOTO_BYTES:
        raise FieldError(f"照片不能超过{MAX_PHOTO_BYTES // 1024 // 1024}MB", "too_large")
    kind = next((mime for magic, mime in PHOTO_SIGNATURES.items() if raw.startswith(magic)), None)
    if kind is None:
        raise FieldError("照片只能是JPEG或PNG格式", "file_type")
    return {"content_type": kind, "base64": base64.b64encode(raw).decode("ascii"), "bytes": len(raw)}


Photo = checked(photo, "照片", widget=Widget("photo"), schema={"type": "string", "contentEncoding": "base64"},
                description=f"JPEG或PNG图片的base64（可带data:前缀），不超过{MAX_PHOTO_BYTES // 1024 // 1024}MB；按文件内容识别类型")
Education = Choice("学历", EDUCATIONS)
School = Text("毕业学校", 2, 100)


# --- facts the rules compare with ------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    name: str
    id_number_hash: str
    profession: str


@dataclass(frozen=True)
class QualificationFacts:
    """A record of the physician qualification database 医师资格库."""

    certificate_no: str
    name: str
    id_number_hash: str
    level: str
    category: str


@dataclass(frozen=True)
class ExamFacts:
    """A record of the nurse exam database 护士执业资格考试合格库."""

    certificate_no: str
    name: str
    id_number_hash: str
    passed_year: int


def is_profession(person: PersonFacts, profession: str) -> list[str]:
    """The applicant is a physician (or a nurse) as the kind needs."""
    if person.profession == profession:
        return []
    return [f"申请人不是{PROFESSIONS.get(profession, profession)}，不能办理{PROFESSIONS.get(profession, profession)}注册业务"]
