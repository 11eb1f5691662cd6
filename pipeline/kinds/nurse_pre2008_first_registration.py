"""2008年前通过考试护士首次注册: at the counter, a nurse who passed the exam before 2008 (护士条例施行前) is
registered; the exam record is backfilled from what the clerk enters."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pipeline.fields import DataModel
from pipeline.kinds import COMMISSION, Kind, PageHints
from pipeline.persons import BirthDate, IdNumber, IdType, Mobile, Name, Sex
from pipeline.registers.institutions import InstitutionId
from pipeline.registers.nurses import Department, ExamCertificateNo, PassedYearBefore2008


class Data(DataModel):
    name: Annotated[str, Name]
    sex: Annotated[str, Sex]
    birth_date: Annotated[date, BirthDate]
    id_type: Annotated[str, IdType]
    id_number: Annotated[str, IdNumber]
    mobile: Annotated[str, Mobile]
    certificate_no: Annotated[str, ExamCertificateNo]
    passed_year: Annotated[int, PassedYearBefore2008]
    institution_id: Annotated[int, InstitutionId]
    department: Annotated[str, Department]


KIND = Kind(
    name="nurse.pre2008_first_registration", label="2008年前通过考试护士首次注册", profession="nurse",
    submitted_by=COMMISSION, data=Data, commission_approves=False,
    page=PageHints(intro="限2008年之前考试合格的护士。录入即批准，随后赋码并公示。", submit="录入并批准"),
)
