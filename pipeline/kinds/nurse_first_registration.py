"""护士首次注册: a nurse with an exam record (passed from 2008 on) registers at an institution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pipeline.fields import DataModel
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import EXAM_CERTIFICATE, HEALTH_CERTIFICATE, ID_DOCUMENT, Material
from pipeline.persons import ExamFacts, PersonFacts, is_profession
from pipeline.previews import registered
from pipeline.registers.institutions import InstitutionFacts, InstitutionId, institution_reasons
from pipeline.registers.nurses import Department, ExamCertificateNo, NurseEntryFacts, exam_reasons


class Data(DataModel):
    certificate_no: Annotated[str, ExamCertificateNo]
    institution_id: Annotated[int, InstitutionId]
    department: Annotated[str, Department]


def refuse(data: Mapping[str, Any], person: PersonFacts, exam: ExamFacts | None, institution: InstitutionFacts | None,
           nurse: NurseEntryFacts | None) -> list[str]:
    reasons = is_profession(person, "nurse") + exam_reasons(data, person, exam) + institution_reasons(institution)
    if nurse is not None:
        reasons.append("申请人已有护士注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）")
    return reasons


KIND = Kind(
    name="nurse.first_registration", label="护士首次注册", profession="nurse", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《护士执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="须已通过护士执业资格考试（2008年之前考试合格的请到卫生健康行政部门窗口办理）。由执业机构确认，卫生健康委审批。"),
    materials=(EXAM_CERTIFICATE, ID_DOCUMENT, HEALTH_CERTIFICATE, Material("diploma", "学历证书及临床实习证明", required=False)),
    preview=registered,
)
