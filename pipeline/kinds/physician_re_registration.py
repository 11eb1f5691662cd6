"""医师重新注册: a filed or cancelled physician registers again, once the cause no longer stands in the way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from pipeline.fields import DataModel, Text
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import HEALTH_CERTIFICATE, ID_DOCUMENT
from pipeline.persons import PersonFacts, is_profession
from pipeline.previews import registered
from pipeline.registers.institutions import InstitutionFacts, InstitutionId, add_years, institution_reasons, scope_reasons
from pipeline.registers.physicians import (
    NO_RE_REGISTRATION,
    STATUS_REASON_LABELS,
    WAIT_YEARS_AFTER,
    PhysicianEntryFacts,
    PracticeCategory,
    PracticeScope,
    category_reasons,
    entry_reasons,
)


class Data(DataModel):
    institution_id: Annotated[int, InstitutionId]
    practice_category: Annotated[str, PracticeCategory]
    practice_scope: Annotated[list[str], PracticeScope]
    statement: Annotated[str, Text("情况说明", 2, 500, description="备案或注销的原因已消除的情况说明", lines=True)]


def cause_reasons(entry: PhysicianEntryFacts, today: date) -> list[str]:
    """Whether the cause of the filing or cancellation no longer stands in the way."""
    if entry.status_reason in NO_RE_REGISTRATION:
        return [NO_RE_REGISTRATION[entry.status_reason]]
    years = WAIT_YEARS_AFTER.get(entry.status_reason)
    if years and entry.status_since is not None:
        allowed_from = add_years(entry.status_since, years)
        if today < allowed_from:
            label = STATUS_REASON_LABELS.get(entry.status_reason, entry.status_reason)
            return [f"因“{label}”注销注册未满{years}年，{allowed_from.isoformat()}起方可申请重新注册"]
    return []


def refuse(data: Mapping[str, Any], person: PersonFacts, physician: PhysicianEntryFacts | None,
           institution: InstitutionFacts | None, today: date) -> list[str]:
    reasons = is_profession(person, "physician") + entry_reasons(physician)
    if physician is not None and physician.identifier:
        if physician.status == "registered":
            reasons.append("医师注册状态为“注册”，无需重新注册；如需更换执业机构请申请变更注册")
        else:
            reasons += cause_reasons(physician, today)
        reasons += category_reasons(data, physician)
    return reasons + institution_reasons(institution) + scope_reasons(data.get("practice_scope"), institution)


KIND = Kind(
    name="physician.re_registration", label="医师重新注册", profession="physician", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《医师执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="适用于已备案（非在册）或已注销、且原因已消除的医师。由执业机构确认，其登记机关审批。"),
    materials=(ID_DOCUMENT, HEALTH_CERTIFICATE),
    preview=registered,
)
