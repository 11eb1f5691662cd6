"""The institution register 医疗机构注册库: its fields and their checks, the set-up approval the commission
enters, the facts staff business is checked against (can this institution take staff? which practice scopes
do its departments allow?) and when verification 校验 falls due.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import ConfigDict, model_validator
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

from pipeline import codes
from pipeline.fields import REQUIRED, DataModel, Day, FieldError, PositiveInt, Text, Widget, checked, is_blank
from pipeline.persons import Mobile

# Beds from which an institution is verified every three years instead of every year
# (《医疗机构管理条例实施细则》第七十六条).
LARGE_INSTITUTION_BEDS = 100
DUE_SOON = timedelta(days=30)

REGISTER_FIELDS = ("name", "type", "address", "departments", "beds", "legal_rep", "principal")
PROFILE_FIELDS = ("phone", "fax")
STATUS_LABELS: dict[str, str] = {"setup": "已设置审批（未执业登记）", "operating": "执业中", "suspended": "已停业", "cancelled": "已注销"}


# --- checks ---------------------------------------------------------------------------------------------


# GB 32100's characters (no I, O, S, V, Z), each worth its position, and the weights of the first 17 positions.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {character: position for position, character in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(value: Any) -> str:
    """A unified social credit code 统一社会信用代码 (GB 32100), checksummed, uppercase."""
    if not isinstance(value, str):
        raise FieldError("统一社会信用代码应为文本", "type")
    code = value.strip().upper()
    if _well_formed_uscc(code):
        return code
    # Anything else (separators to drop, a wrong length or check character) as python-stdnum finds it, with its reason.
    try:
        return str(stdnum_uscc.validate(code))
    except stdnum_errors.InvalidLength:
        raise FieldError("统一社会信用代码应为18位", "format") from None
    except stdnum_errors.InvalidChecksum:
        raise FieldError("统一社会信用代码校验位错误", "checksum") from None
    except stdnum_errors.ValidationError:
        raise FieldError("统一社会信用代码格式错误", "format") from None


def _well_formed_uscc(code: str) -> bool:
    """18 characters of the alphabet, the first eight digits, the last the check character: what nearly every code in
    a register file is, checked without python-stdnum's general clean-up (17 µs a code; a register import of the
    country checks one per row, and its 1.07 million institutions defeat any cache)."""
    if len(code) != 18 or not code[:8].isdigit() or not code[:8].isascii():
        return False
    values = [_USCC_VALUE.get(character, -1) for character in code]
    if min(values) < 0:
        return False
    total = sum(value * weight for value, weight in zip(values[:17], _USCC_WEIGHTS, strict=True))
    return code[17] == _USCC_ALPHABET[(31 - total % 31) % 31]


def departments(value: Any) -> list[str]:
    """诊疗科目: a list, or names separated by ；/;/、 → sorted, each known, at least one."""
    items = re.split(r"[;；、,，]", value) if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise FieldError("诊疗科目应为科目名称的列表", "type")
    names = sorted({item.strip() for item in items if item.strip()})
    if not names:
        raise FieldError(REQUIRED, "required")
    unknown = [name for name in names if name not in codes.departments()]
    if unknown:
        raise FieldError(f"不在《医疗机构诊疗科目名录》中的科目：{'、'.join(unknown)}", "choice")
    return names


def beds(value: Any) -> int:
    """A bed count, 0 for a clinic without beds."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,6}\s*", value, re.ASCII):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("床位数应为0至99999的整数", "type")
    if not 0 <= value <= 99999:
        raise FieldError("床位数应为0至99999的整数", "out_of_range")
    return value


PHONE_DIGITS = 5


def phone(value: Any, what: str = "电话") -> str:
    """A landline, fax or mobile number: digits with - ( ) + and spaces, 5 to 30 characters of which at least
    PHONE_DIGITS digits; "" clears it."""
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本", "type")
    value = value.strip()
    if value and not re.fullmatch(r"[0-9+()\- ]{5,30}", value):
        raise FieldError(f"{what}只能包含数字、空格和 + - ( )，长度5至30", "format")
    if value and sum(c.isdigit() for c in value) < PHONE_DIGITS:
        raise FieldError(f"{what}应至少含{PHONE_DIGITS}位数字", "format")  # "-----" is no number to call
    return value


def division_code(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value.strip()):
        raise FieldError("行政区划代码应为6位数字", "format")
    return value.strip()


def institution_type(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in codes.institution_types():
        raise FieldError("机构类别应为以下之一：" + "、".join(codes.institution_types()), "choice")
    return value.strip()


# --- field rules -----------------------------------------------------------------------------------------

InstitutionName = Text("机构名称", 2, 100)
InstitutionType = checked(institution_type, "机构类别", schema={"type": "string", "enum": codes.institution_types()},
                          widget=Widget("choice", tuple((t, t) for t in codes.institution_types())))
Address = Text("地址", 2, 200)
Departments = checked(departments, "诊疗科目", widget=Widget("departments", multiple=True),
                      schema={"anyOf": [{"type": "array", "items": {"type": "string", "enum": codes.departments()}, "minItems": 1},
                                        {"type": "string", "description": "以；分隔的科目名称"}]},
                      description="《医疗机构诊疗科目名录》中的科目名称，可多个")
Beds = checked(beds, "床位数", schema={"type": "integer", "minimum": 0, "maximum": 99999}, widget=Widget("number"))
LegalRep = Text("法定代表人", 2, 30)
Principal = Text("主要负责人", 2, 30)
Uscc = checked(uscc, "统一社会信用代码", schema={"type": "string", "pattern": "^[0-9A-Z]{18}$"},
               description="18位，按GB 32100校验")
Phone = checked(phone, "联系电话", schema={"type": "string", "maxLength": 30})
Fax = checked(lambda value: phone(value, "传真"), "传真", schema={"type": "string", "maxLength": 30})
DivisionCode = checked(division_code, "所在行政区划", schema={"type": "string", "pattern": "^[0-9]{6}$"})
InstitutionId = PositiveInt("执业机构", what="执业机构编号", widget="institution",
                            description="执业机构的编号（公开查询结果中的机构编号）")


class RegisterFields(DataModel):
    """The institution register's own fields; a change gives some of them, a registration all."""

    name: Annotated[str, InstitutionName]
    type: Annotated[str, InstitutionType]
    address: Annotated[str, Address]
    departments: Annotated[list[str], Departments]
    beds: Annotated[int, Beds]
    legal_rep: Annotated[str, LegalRep]
    principal: Annotated[str, Principal]


class SetupApproval(RegisterFields):
    """设置审批: what the commission enters to create an institution and hand out its account."""

    model_config = ConfigDict(title="设置审批")

    division_code: Annotated[str, DivisionCode]
    mobile: Annotated[str, Mobile]
    approval_no: Annotated[str, Text("设置审批文号", 2, 50)] | None = None
    approved_on: Annotated[date, Day("批准日期")] | None = None
    phone: Annotated[str, Phone] | None = None
    fax: Annotated[str, Fax] | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        """Blank values are not given, as in every data model, but [] only for the list (诊疗科目): for a number, a
        text or a date it is a value of the wrong type, refused like {} or 0 (the commission creates the
        institution from what it entered, so a field it got wrong must not silently go missing)."""
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items()
                    if not is_blank(value) or (value == [] and key != "departments")}
        return data


FIELD_LABELS: dict[str, str] = {
    **{name: rule.title for name, rule in (
        ("name", InstitutionName), ("type", InstitutionType), ("address", Address), ("departments", Departments),
        ("beds", Beds), ("legal_rep", LegalRep), ("principal", Principal), ("uscc", Uscc), ("phone", Phone),
        ("fax", Fax), ("division_code", DivisionCode))},
    "mobile": "负责人手机号码", "approval_no": "设置审批文号", "reason": "原因", "note": "说明", "until": "预计恢复日期",
}


def prefilled_registration(setup: Mapping[str, Any], submitted: Mapping[str, Any]) -> dict[str, Any]:
    """The practice registration's data: what the set-up approval says, overridden by what was submitted."""
    base = {name: setup[name] for name in REGISTER_FIELDS if name in setup}
    for name in PROFILE_FIELDS:
        if setup.get(name):
            base[name] = setup[name]
    return {**base, **dict(submitted)}


# --- facts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionFacts:
    id: int
    name: str
    identifier: str | None
    status: str  # setup | operating | suspended | cancelled
    division_code: str
    registered_by: str
    departments: frozenset[str]
    scope_map: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def allowed_scopes(self) -> frozenset[str]:
        """Scopes a physician may practise here: the union of the map over its departments."""
        result: set[str] = set()
        for department in self.departments:
            result |= set(self.scope_map.get(department, frozenset()))
        return frozenset(result)


def institution_reasons(institution: InstitutionFacts | None) -> list[str]:
    """Can staff be registered at this institution?"""
    if institution is None:
        return ["未找到所填执业机构"]
    reasons = []
    if not institution.identifier:
        reasons.append(f"执业机构“{institution.name}”尚未取得电子化注册识别码")
    if institution.status != "operating":
        state = STATUS_LABELS.get(institution.status, institution.status)
        reasons.append(f"执业机构“{institution.name}”{state}，不能办理注册")
    return reasons


def scope_reasons(scopes: Any, institution: InstitutionFacts | None) -> list[str]:
    """Every requested scope must fall within the institution's departments."""
    if institution is None:
        return []
    allowed_here = institution.allowed_scopes()
    wanted = [scopes] if isinstance(scopes, str) else list(scopes or [])
    return [f"执业范围“{scope}”不在执业机构“{institution.name}”诊疗科目对应的执业范围内"
            for scope in wanted if scope not in allowed_here]


def own_business_reasons(institution: InstitutionFacts, allowed: frozenset[str], why: str,
                         needs_identifier: bool = True) -> list[str]:
    """An institution's own business: the status it must be in, and (after registration) its identifier."""
    reasons = []
    if institution.status not in allowed:
        reasons.append(f"医疗机构“{institution.name}”{STATUS_LABELS.get(institution.status, institution.status)}，{why}")
    if needs_identifier and not institution.identifier:
        reasons.append(f"医疗机构“{institution.name}”尚未取得电子化注册识别码，不能办理后续业务")
    return reasons


# --- verification 校验 due dates -------------------------------------------------------------------------


def verification_interval_years(bed_count: int) -> int:
    """Every year under 100 beds, every three years from 100 beds."""
    return 3 if bed_count >= LARGE_INSTITUTION_BEDS else 1


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def next_verification(after: date, bed_count: int) -> date:
    return add_years(after, verification_interval_years(bed_count))


def verification_state(next_on: date | None, today: date) -> str:
    """"overdue" after the due date, "due" within 30 days of it, else ""."""
    if next_on is None:
        return ""
    if next_on < today:
        return "overdue"
    if next_on <= today + DUE_SOON:
        return "due"
    return ""

