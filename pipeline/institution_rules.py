"""The institution's own licence business 医疗机构电子化登记: the set-up approval the commission enters,
the `data` of each institution kind, the reasons to refuse one, and when verification 校验 falls due.

Pure rules: no database, no framework. Each `clean_*` returns a cleaned dict or raises ValidationFailed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

from pipeline import codes
from pipeline.errors import ValidationFailed
from pipeline.fields import REQUIRED, Cleaner, FieldError, collect, finished, iso_date, text

# Beds from which an institution is verified every three years instead of every year
# (《医疗机构管理条例实施细则》第七十六条).
LARGE_INSTITUTION_BEDS = 100
DUE_SOON = timedelta(days=30)

REGISTER_FIELDS = ("name", "type", "address", "departments", "beds", "legal_rep", "principal")
PROFILE_FIELDS = ("phone", "fax")
FIELD_LABELS: dict[str, str] = {
    "name": "机构名称", "type": "机构类别", "division_code": "所在行政区划", "address": "地址", "departments": "诊疗科目",
    "beds": "床位数", "legal_rep": "法定代表人", "principal": "主要负责人", "mobile": "负责人手机号码",
    "uscc": "统一社会信用代码", "phone": "联系电话", "fax": "传真", "approval_no": "设置审批文号",
    "reason": "原因", "note": "说明", "until": "预计恢复日期",
}



# --- field cleaners ------------------------------------------------------------------------------


def uscc(value: Any) -> str:
    """A unified social credit code 统一社会信用代码 (GB 32100), checksummed, uppercase."""
    if not isinstance(value, str):
        raise FieldError("统一社会信用代码应为文本")
    try:
        return stdnum_uscc.validate(value.strip().upper())
    except stdnum_errors.InvalidLength:
        raise FieldError("统一社会信用代码应为18位") from None
    except stdnum_errors.InvalidChecksum:
        raise FieldError("统一社会信用代码校验位错误") from None
    except stdnum_errors.ValidationError:
        raise FieldError("统一社会信用代码格式错误") from None


def departments(value: Any) -> list[str]:
    """诊疗科目: a list, or names separated by ；/;/、 → sorted, each known, at least one."""
    items = re.split(r"[;；、,，]", value) if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise FieldError("诊疗科目应为科目名称的列表")
    names = sorted({item.strip() for item in items if item.strip()})
    if not names:
        raise FieldError(REQUIRED)
    unknown = [name for name in names if name not in codes.departments()]
    if unknown:
        raise FieldError(f"不在《医疗机构诊疗科目名录》中的科目：{'、'.join(unknown)}")
    return names


def beds(value: Any) -> int:
    """A bed count, 0 for a clinic without beds."""
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,5}\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 99999:
        raise FieldError("床位数应为0至99999的整数")
    return value


def mobile(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"1[3-9][0-9]{9}", value.strip()):
        raise FieldError("手机号码应为11位中国大陆手机号")
    return value.strip()


def phone(value: Any, what: str = "电话") -> str:
    """A landline, fax or mobile number: digits with - ( ) + and spaces, 5 to 30 characters; "" clears it."""
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本")
    value = value.strip()
    if value and not re.fullmatch(r"[0-9+()\- ]{5,30}", value):
        raise FieldError(f"{what}只能包含数字、空格和 + - ( )，长度5至30")
    return value


def division_code(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value.strip()):
        raise FieldError("行政区划代码应为6位数字")
    return value.strip()


def institution_type(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in codes.institution_types():
        raise FieldError("机构类别应为以下之一：" + "、".join(codes.institution_types()))
    return value.strip()


REGISTER_CLEANERS: dict[str, Cleaner] = {
    "name": lambda v: text(v, 2, 100, "机构名称"),
    "type": institution_type,
    "address": lambda v: text(v, 2, 200, "地址"),
    "departments": departments,
    "beds": beds,
    "legal_rep": lambda v: text(v, 2, 30, "法定代表人"),
    "principal": lambda v: text(v, 2, 30, "主要负责人"),
}


def _collect(data: Mapping, required: dict[str, Cleaner], optional: dict[str, Cleaner] | None = None) -> dict:
    return finished(*collect(data, required, optional))


# --- the set-up approval 设置审批 (commission end) ----------------------------------------------


def clean_setup_approval(data: Mapping) -> dict:
    """What the commission enters to create an institution and hand out its account."""
    if not isinstance(data, Mapping):
        raise ValidationFailed({"body": "请求内容应为JSON对象"})
    return _collect(
        data,
        {**REGISTER_CLEANERS, "division_code": division_code, "mobile": mobile},
        {"approval_no": lambda v: text(v, 2, 50, "设置审批文号"), "approved_on": lambda v: iso_date(v, "批准日期").isoformat(),
         "phone": phone, "fax": lambda v: phone(v, "传真")},
    )


# --- the data of each institution kind ------------------------------------------------------------


def clean_practice_registration(data: Mapping) -> dict:
    """执业登记: the register fields (pre-filled from the set-up approval) and the credit code."""
    return _collect(data, {**REGISTER_CLEANERS, "uscc": uscc}, {"phone": phone, "fax": lambda v: phone(v, "传真")})


def clean_change(data: Mapping) -> dict:
    """变更登记: one or more register fields, each with its new value."""
    clean = _collect(data, {}, REGISTER_CLEANERS)
    if not clean:
        raise ValidationFailed({"data": "请至少填写一项要变更的登记事项：" + "、".join(FIELD_LABELS[f] for f in REGISTER_FIELDS)})
    return clean


def clean_verification(data: Mapping) -> dict:
    """校验: an optional note on the year's practice."""
    return _collect(data, {}, {"note": lambda v: text(v, 1, 500, "说明")})


def clean_suspension(data: Mapping) -> dict:
    """停业: the reason, and optionally when it expects to resume."""
    clean = _collect(data, {"reason": lambda v: text(v, 2, 500, "停业原因")}, {"until": lambda v: iso_date(v, "预计恢复日期")})
    if "until" in clean:
        clean["until"] = clean["until"].isoformat()
    return clean


def clean_resumption(data: Mapping) -> dict:
    return _collect(data, {}, {"note": lambda v: text(v, 1, 500, "说明")})


def clean_cancellation(data: Mapping) -> dict:
    return _collect(data, {"reason": lambda v: text(v, 2, 500, "注销原因")})


INSTITUTION_SCHEMAS: dict[str, Callable[[Mapping], dict]] = {
    "institution.practice_registration": clean_practice_registration,
    "institution.change": clean_change,
    "institution.verification": clean_verification,
    "institution.suspension": clean_suspension,
    "institution.resumption": clean_resumption,
    "institution.cancellation": clean_cancellation,
}


def prefilled_registration(setup: Mapping, submitted: Mapping) -> dict:
    """The practice registration's data: what the set-up approval says, overridden by what was submitted."""
    base = {field: setup[field] for field in REGISTER_FIELDS if field in setup}
    for field in ("phone", "fax"):
        if setup.get(field):
            base[field] = setup[field]
    return {**base, **dict(submitted)}


# --- verification: the reasons to refuse ----------------------------------------------------------


@dataclass(frozen=True)
class InstitutionState:
    name: str
    identifier: str | None
    status: str  # setup | operating | suspended | cancelled


# The status each kind needs the institution to be in, and the reason when it is not.
REQUIRED_STATUS: dict[str, tuple[frozenset[str], str]] = {
    "institution.practice_registration": (frozenset({"setup"}), "已办理执业登记，不能重复登记"),
    "institution.change": (frozenset({"operating", "suspended"}), "不在执业或停业状态，不能办理变更"),
    "institution.verification": (frozenset({"operating"}), "不在执业状态，不能办理校验"),
    "institution.suspension": (frozenset({"operating"}), "不在执业状态，不能办理停业"),
    "institution.resumption": (frozenset({"suspended"}), "未停业，无需解除停业"),
    "institution.cancellation": (frozenset({"operating", "suspended"}), "已注销或尚未执业登记，不能办理注销"),
}

STATUS_LABELS: dict[str, str] = {"setup": "已设置审批（未执业登记）", "operating": "执业中", "suspended": "已停业", "cancelled": "已注销"}


def institution_business_reasons(kind: str, data: Mapping, state: InstitutionState, open_duplicate: bool,
                                 uscc_holder: str | None) -> list[str]:
    """Every reason to refuse an institution's own application (empty list: it passes).

    `uscc_holder` is the name of another institution already holding the credit code, if any.
    """
    reasons: list[str] = []
    statuses, why = REQUIRED_STATUS[kind]
    if state.status not in statuses:
        reasons.append(f"医疗机构“{state.name}”{STATUS_LABELS.get(state.status, state.status)}，{why}")
    if kind != "institution.practice_registration" and not state.identifier:
        reasons.append(f"医疗机构“{state.name}”尚未取得电子化注册识别码，不能办理后续业务")
    if uscc_holder:
        reasons.append(f"统一社会信用代码{data.get('uscc')}已由“{uscc_holder}”登记")
    if open_duplicate:
        reasons.append("已有一件未办结的同类申请，不能重复申请")
    return reasons


# --- verification 校验 due dates --------------------------------------------------------------------


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
