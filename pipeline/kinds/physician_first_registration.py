"""医师首次注册: a physician with a qualification record registers at an institution for the first time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

from pipeline.fields import DataModel
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import EMPLOYMENT_PROOF, HEALTH_CERTIFICATE, ID_DOCUMENT, QUALIFICATION_CERTIFICATE
from pipeline.persons import PersonFacts, QualificationFacts, is_profession
from pipeline.previews import registered
from pipeline.registers.institutions import InstitutionFacts, InstitutionId, institution_reasons, scope_reasons
from pipeline.registers.physicians import (
    CertificateNo,
    PhysicianEntryFacts,
    PracticeCategory,
    PracticeScope,
    qualification_reasons,
)


class Data(DataModel):
    certificate_no: Annotated[str, CertificateNo]
    practice_category: Annotated[str, PracticeCategory]
    practice_scope: Annotated[list[str], PracticeScope]
    institution_id: Annotated[int, InstitutionId]


def refuse(data: Mapping[str, Any], person: PersonFacts, qualification: QualificationFacts | None,
           institution: InstitutionFacts | None, physician: PhysicianEntryFacts | None) -> list[str]:
    reasons = is_profession(person, "physician") + qualification_reasons(data, person, qualification)
    reasons += institution_reasons(institution) + scope_reasons(data.get("practice_scope"), institution)
    if physician is not None and physician.status == "registered":
        reasons.append("申请人已是注册医师，不能再次办理首次注册")
    return reasons


KIND = Kind(
    name="physician.first_registration", label="医师首次注册", profession="physician", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《医师执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="须已取得医师资格（医师资格库中有记录）。提交后由执业机构确认，再由其登记机关审批。"),
    materials=(QUALIFICATION_CERTIFICATE, ID_DOCUMENT, HEALTH_CERTIFICATE, replace(EMPLOYMENT_PROOF, required=False)),
    preview=registered,
)
