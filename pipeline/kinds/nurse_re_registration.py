"""护士重新注册: after expiry or cancellation, a nurse registers again at an institution."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import HEALTH_CERTIFICATE, Material
from pipeline.persons import PersonFacts, is_profession
from pipeline.previews import registered
from pipeline.registers.institutions import InstitutionFacts, InstitutionId, institution_reasons
from pipeline.registers.nurses import Department, NurseEntryFacts


class Data(DataModel):
    """The practice institution and department."""

    institution_id: Annotated[int, InstitutionId]
    department: Annotated[str, Department]


def refuse(person: PersonFacts, nurse: NurseEntryFacts | None, institution: InstitutionFacts | None) -> list[str]:
    reasons = is_profession(person, "nurse")
    if nurse is None or not nurse.identifier:
        reasons.append("尚无护士注册记录，请办理首次注册")
    elif nurse.status == "registered":
        reasons.append("护士注册仍在有效期内，无需重新注册（可办理延续或变更注册）")
    return reasons + institution_reasons(institution)


KIND = Kind(
    name="nurse.re_registration", label="护士重新注册", profession="nurse", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《护士执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="注册过期或注销后再次注册。由执业机构确认，卫生健康委审批。"),
    materials=(HEALTH_CERTIFICATE, Material("training_proof", "继续教育或临床实践培训证明", required=False)),
    preview=registered,
)
