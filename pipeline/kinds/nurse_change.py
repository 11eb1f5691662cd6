"""护士变更注册: a registered nurse moves to another institution or department."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import EMPLOYMENT_PROOF
from pipeline.persons import PersonFacts, is_profession
from pipeline.registers.institutions import InstitutionFacts, InstitutionId, institution_reasons
from pipeline.registers.nurses import Department, NurseEntryFacts, registered_reasons


class Data(DataModel):
    """The new practice institution and department."""

    institution_id: Annotated[int, InstitutionId]
    department: Annotated[str, Department]


def refuse(person: PersonFacts, nurse: NurseEntryFacts | None, institution: InstitutionFacts | None) -> list[str]:
    return is_profession(person, "nurse") + registered_reasons(nurse, "变更注册") + institution_reasons(institution)


KIND = Kind(
    name="nurse.change", label="护士变更注册", profession="nurse", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(7, "《护士执业注册管理办法》：变更注册7个工作日内办理"),
    page=PageHints(intro="更换执业机构或工作科室。由新执业机构确认，卫生健康委审批。"),
    materials=(EMPLOYMENT_PROOF,),
)
