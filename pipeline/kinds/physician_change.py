"""医师变更注册: a registered physician moves to another institution, or changes practice category or scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pipeline.fields import DataModel
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import EMPLOYMENT_PROOF
from pipeline.persons import PersonFacts, is_profession
from pipeline.registers.institutions import InstitutionFacts, InstitutionId, institution_reasons, scope_reasons
from pipeline.registers.physicians import (
    PhysicianEntryFacts,
    PracticeCategory,
    PracticeScope,
    category_reasons,
    registered_reasons,
)


class Data(DataModel):
    """The new state of the practice: institution (may stay the same), practice category and scope."""

    institution_id: Annotated[int, InstitutionId]
    practice_category: Annotated[str, PracticeCategory]
    practice_scope: Annotated[list[str], PracticeScope]


def refuse(data: Mapping[str, Any], person: PersonFacts, physician: PhysicianEntryFacts | None,
           institution: InstitutionFacts | None) -> list[str]:
    reasons = is_profession(person, "physician") + registered_reasons(physician)
    reasons += institution_reasons(institution) + scope_reasons(data.get("practice_scope"), institution)
    if physician is not None:
        reasons += category_reasons(data, physician)
        unchanged = (int(data.get("institution_id", 0)) == physician.main_institution_id
                     and data.get("practice_category") == physician.practice_category
                     and frozenset(data.get("practice_scope") or ()) == physician.practice_scopes)
        if unchanged:
            reasons.append("申请内容与现有注册信息相同，无需变更")
    return reasons


KIND = Kind(
    name="physician.change", label="医师变更注册", profession="physician", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《医师执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="变更执业机构、执业类别或执业范围。由新执业机构确认，其登记机关审批。"),
    materials=(EMPLOYMENT_PROOF,),
)
