"""Routing: which commission approves, and what lies in a commission's jurisdiction (GB/T 2260)."""

from __future__ import annotations

import re

from pipeline.kinds import get_kind
from pipeline.registers.institutions import InstitutionFacts

NATIONAL = "000000"


def _check_code(code: str | None) -> str:
    if not isinstance(code, str) or not re.fullmatch(r"[0-9]{6}", code):
        raise ValueError(f"行政区划代码应为6位数字：{code!r}")
    return code


def approving_commission(kind: str, institution: InstitutionFacts) -> str:
    """Division code of the commission that approves `kind` for `institution`: its registering
    commission (for changes and filings, pass the new or added institution)."""
    get_kind(kind)
    return _check_code(institution.registered_by)


def division_level(code: str | None) -> str:
    """national, province, city or county."""
    code = _check_code(code)
    if code == NATIONAL:
        return "national"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def jurisdiction_prefix(commission_division: str | None) -> str:
    """The prefix every division code in the jurisdiction starts with ("" for national)."""
    code = _check_code(commission_division)
    length = {"national": 0, "province": 2, "city": 4, "county": 6}[division_level(code)]
    return code[:length]


def in_jurisdiction(commission_division: str | None, division_code: str | None) -> bool:
    """Whether `division_code` lies in the jurisdiction of the commission of `commission_division`."""
    return _check_code(division_code).startswith(jurisdiction_prefix(commission_division))
