"""Rules of the physician register after the first registration: the reasons to refuse each physician kind,
and when a short-term practice lapses.

Pure: the workers load the facts (workers/physician_checks.py) and record what these functions say.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pipeline.physician_schemas import DEPARTURE_REASONS, SHORT_TERM_EXPIRED, STATUS_REASON_LABELS
from pipeline.verification import CATEGORY_FOR_QUALIFICATION, InstitutionFacts, PersonFacts, institution_reasons, scope_reasons

PHYSICIAN_STATUS_LABELS: dict[str, str] = {"registered": "注册", "filed": "备案（非在册）", "cancelled": "注销"}
# After a criminal penalty or a revoked licence, registration is refused for two years (执业医师法第十五条).
WAIT_YEARS_AFTER: dict[str, int] = {"criminal_penalty": 2, "licence_revoked": 2}
# Causes that never go away, or that need the counter: no re-registration on line.
NO_RE_REGISTRATION: dict[str, str] = {
    "death": "医师已因死亡注销注册，不能重新注册",
    SHORT_TERM_EXPIRED: "短期行医注册期满后，请到卫生健康委窗口重新办理短期行医",
}


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


def status_label(status: str) -> str:
    return PHYSICIAN_STATUS_LABELS.get(status, status)


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
    if not reasons and entry.status != "registered":
        reasons.append(f"医师注册状态为“{status_label(entry.status)}”，不能办理此项业务")
    return reasons


def _person_reasons(person: PersonFacts) -> list[str]:
    return [] if person.profession == "physician" else ["申请人不是医师，不能办理医师注册业务"]


def _category_reasons(data: Mapping, entry: PhysicianEntryFacts) -> list[str]:
    category = data.get("practice_category")
    if CATEGORY_FOR_QUALIFICATION.get(entry.qualification_category) != category:
        return [f"执业类别“{category}”与医师资格类别“{entry.qualification_category}”不一致"]
    return []


def _duplicate(open_duplicate: bool, label: str) -> list[str]:
    return [f"已有一件未办结的{label}申请，不能重复申请"] if open_duplicate else []


def verify_physician_change(data: Mapping, person: PersonFacts, entry: PhysicianEntryFacts | None,
                            institution: InstitutionFacts | None, open_duplicate: bool) -> list[str]:
    """变更注册: a registered physician moves to another institution, or changes practice category or scope."""
    reasons = _person_reasons(person) + registered_reasons(entry)
    reasons += institution_reasons(institution)
    reasons += scope_reasons(data, institution)
    if entry is not None:
        reasons += _category_reasons(data, entry)
        unchanged = (int(data.get("institution_id", 0)) == entry.main_institution_id
                     and data.get("practice_category") == entry.practice_category
                     and frozenset(data.get("practice_scope") or ()) == entry.practice_scopes)
        if unchanged:
            reasons.append("申请内容与现有注册信息相同，无需变更")
    return reasons + _duplicate(open_duplicate, "医师变更注册")


def verify_physician_multi_site_filing(data: Mapping, person: PersonFacts, entry: PhysicianEntryFacts | None,
                                       institution: InstitutionFacts | None, open_duplicate: bool) -> list[str]:
    """多机构备案: the added institution must be able to take staff, and the physician's scope must fit it."""
    reasons = _person_reasons(person) + registered_reasons(entry)
    reasons += institution_reasons(institution)
    if entry is not None and institution is not None:
        if institution.id in entry.institution_ids:
            reasons.append(f"已在“{institution.name}”执业，无需备案")
        reasons += scope_reasons({"practice_scope": sorted(entry.practice_scopes)}, institution)
    return reasons + _duplicate(open_duplicate, "医师多机构执业备案")


def re_registration_cause_reasons(entry: PhysicianEntryFacts, today: date) -> list[str]:
    """Whether the cause of the filing or cancellation no longer stands in the way."""
    if entry.status_reason in NO_RE_REGISTRATION:
        return [NO_RE_REGISTRATION[entry.status_reason]]
    years = WAIT_YEARS_AFTER.get(entry.status_reason)
    if years and entry.status_since is not None:
        try:
            allowed_from = entry.status_since.replace(year=entry.status_since.year + years)
        except ValueError:  # 29 February
            allowed_from = entry.status_since.replace(year=entry.status_since.year + years, day=28)
        if today < allowed_from:
            label = STATUS_REASON_LABELS.get(entry.status_reason, entry.status_reason)
            return [f"因“{label}”注销注册未满{years}年，{allowed_from.isoformat()}起方可申请重新注册"]
    return []


def verify_physician_re_registration(data: Mapping, person: PersonFacts, entry: PhysicianEntryFacts | None,
                                     institution: InstitutionFacts | None, open_duplicate: bool,
                                     today: date) -> list[str]:
    """重新注册: for an entry that is filed or cancelled, once its cause no longer applies."""
    reasons = _person_reasons(person) + entry_reasons(entry)
    if entry is not None and entry.identifier:
        if entry.status == "registered":
            reasons.append("医师注册状态为“注册”，无需重新注册；如需更换执业机构请申请变更注册")
        else:
            reasons += re_registration_cause_reasons(entry, today)
        reasons += _category_reasons(data, entry)
    reasons += institution_reasons(institution)
    reasons += scope_reasons(data, institution)
    return reasons + _duplicate(open_duplicate, "医师重新注册")


def verify_physician_info_change(person: PersonFacts, entry: PhysicianEntryFacts | None,
                                 open_duplicate: bool) -> list[str]:
    """个人信息变更: any physician whose entry holds an identifier (filed ones too)."""
    return _person_reasons(person) + entry_reasons(entry) + _duplicate(open_duplicate, "医师个人信息变更")


def _staff_reasons(entry: PhysicianEntryFacts | None, institution_id: int, main_only: bool) -> list[str]:
    reasons = registered_reasons(entry)
    if reasons:
        return reasons
    practising = entry.main_institution_id == institution_id if main_only else institution_id in entry.institution_ids
    if not practising:
        where = "以本机构为主要执业机构" if main_only else "在本机构执业"
        reasons.append(f"该医师不是{where}的在册医师")
    return reasons


def verify_physician_departure_filing(entry: PhysicianEntryFacts | None, institution_id: int,
                                      open_duplicate: bool) -> list[str]:
    """注册备案: the institution files the departure of one of its registered physicians."""
    return _staff_reasons(entry, institution_id, main_only=False) + _duplicate(open_duplicate, "医师注册备案")


def verify_physician_cancellation(entry: PhysicianEntryFacts | None, institution_id: int,
                                  open_duplicate: bool) -> list[str]:
    """注销注册: only the main institution cancels; a filed entry is no longer on any roll."""
    return _staff_reasons(entry, institution_id, main_only=True) + _duplicate(open_duplicate, "医师注销注册")


def departure_ends_registration(entry: PhysicianEntryFacts, institution_id: int) -> bool:
    """A departure from the main institution files the whole entry; from a further institution it ends that practice."""
    return entry.main_institution_id == institution_id


def is_lapsed(valid_until: date | None, status: str, today: date) -> bool:
    """A short-term practice lapses the day after its end date."""
    return status == "registered" and valid_until is not None and valid_until < today


def departure_label(reason: str) -> str:
    return DEPARTURE_REASONS.get(reason, STATUS_REASON_LABELS.get(reason, reason))
