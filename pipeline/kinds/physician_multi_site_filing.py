"""医师多机构执业备案: a registered physician adds a further institution to practise at."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel, PositiveInt
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.persons import PersonFacts, is_profession
from pipeline.previews import added_site
from pipeline.registers.institutions import InstitutionFacts, institution_reasons, scope_reasons
from pipeline.registers.physicians import PhysicianEntryFacts, registered_reasons


class Data(DataModel):
    institution_id: Annotated[int, PositiveInt("增加的执业机构", what="执业机构编号", widget="institution",
                                               description="增加执业的机构的编号")]


def refuse(person: PersonFacts, physician: PhysicianEntryFacts | None, institution: InstitutionFacts | None) -> list[str]:
    """The added institution must be able to take staff, and the physician's scope must fit it."""
    reasons = is_profession(person, "physician") + registered_reasons(physician) + institution_reasons(institution)
    if physician is not None and institution is not None:
        if institution.id in physician.institution_ids:
            reasons.append(f"已在“{institution.name}”执业，无需备案")
        reasons += scope_reasons(sorted(physician.practice_scopes), institution)
    return reasons


KIND = Kind(
    name="physician.multi_site_filing", label="医师多机构执业备案", profession="physician", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《医师执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="在主要执业机构以外增加执业机构。由增加的机构确认，其登记机关审批。"),
    materials=(Material("agreement", "多机构执业协议或聘用证明", required=False),),
    preview=added_site,
)
