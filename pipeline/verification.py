"""Verification rules: the facts the workers read from the database, and the reasons to refuse."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

INSTITUTION_STATUS_LABELS: dict[str, str] = {
    "operating": "执业中",
    "suspended": "已停业",
    "cancelled": "已注销",
}


@dataclass(frozen=True)
class PersonFacts:
    name: str
    id_number_hash: str
    profession: str


@dataclass(frozen=True)
class QualificationFacts:
    certificate_no: str
    name: str
    id_number_hash: str
    level: str
    category: str


@dataclass(frozen=True)
class InstitutionFacts:
    id: int
    name: str
    identifier: str | None
    status: str  # operating | suspended | cancelled
    division_code: str
    registered_by: str
    departments: frozenset[str]
    scope_map: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def allowed_scopes(self) -> frozenset[str]:
        """Scopes a physician may practise here: union of the map over its departments."""
        return allowed_scopes(self)


def allowed_scopes(inst: InstitutionFacts) -> frozenset[str]:
    """Union of `inst.scope_map[d]` for each department d of the institution."""
    result: set[str] = set()
    for department in inst.departments:
        result |= set(inst.scope_map.get(department, frozenset()))
    return frozenset(result)


# Practice category a qualification category allows.
CATEGORY_FOR_QUALIFICATION: dict[str, str] = {
    "临床": "临床",
    "中医": "中医",
    "口腔": "口腔",
    "公共卫生": "公共卫生",
}


def qualification_reasons(data: Mapping, person: PersonFacts,
                          qualification: QualificationFacts | None) -> list[str]:
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


def institution_reasons(institution: InstitutionFacts | None) -> list[str]:
    """Can staff be registered at this institution?"""
    if institution is None:
        return ["未找到所填执业机构"]
    reasons = []
    if not institution.identifier:
        reasons.append(f"执业机构“{institution.name}”尚未取得电子化注册识别码")
    if institution.status != "operating":
        state = INSTITUTION_STATUS_LABELS.get(institution.status, institution.status)
        reasons.append(f"执业机构“{institution.name}”{state}，不能办理注册")
    return reasons


def scope_reasons(data: Mapping, institution: InstitutionFacts | None) -> list[str]:
    """Every requested scope must fall within the institution's departments."""
    if institution is None:
        return []
    allowed_here = allowed_scopes(institution)
    scopes = data.get("practice_scope") or []
    if isinstance(scopes, str):
        scopes = [scopes]
    return [f"执业范围“{scope}”不在执业机构“{institution.name}”诊疗科目对应的执业范围内"
            for scope in scopes if scope not in allowed_here]


def verify_physician_first_registration(
    data: Mapping,
    person: PersonFacts,
    qualification: QualificationFacts | None,
    institution: InstitutionFacts | None,
    open_duplicate: bool,
    already_registered: bool,
) -> list[str]:
    """Every reason to refuse a physician first registration (empty list: it passes)."""
    reasons: list[str] = []
    if person.profession != "physician":
        reasons.append("申请人不是医师，不能申请医师注册")
    reasons += qualification_reasons(data, person, qualification)
    reasons += institution_reasons(institution)
    reasons += scope_reasons(data, institution)
    if open_duplicate:
        reasons.append("已有一件未办结的医师首次注册申请，不能重复申请")
    if already_registered:
        reasons.append("申请人已是注册医师，不能再次办理首次注册")
    return reasons
