"""医师资格补录（"老人"资格）: at the counter, a qualification obtained before the qualification database is
entered from the paper record. It changes the qualification database, not the register: no identifier."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pipeline import codes
from pipeline.fields import Choice, DataModel, Day
from pipeline.kinds import COMMISSION, Kind, PageHints
from pipeline.persons import IdNumber, IdType, Name
from pipeline.registers.physicians import EnteredCertificateNo


class Data(DataModel):
    name: Annotated[str, Name]
    id_type: Annotated[str, IdType]
    id_number: Annotated[str, IdNumber]
    certificate_no: Annotated[str, EnteredCertificateNo]
    level: Annotated[str, Choice("医师级别", codes.QUALIFICATION_LEVELS)]
    category: Annotated[str, Choice("资格类别", codes.QUALIFICATION_CATEGORIES)]
    issued_on: Annotated[date, Day("资格取得日期", not_future=True)]


KIND = Kind(
    name="physician.qualification_backfill", label="医师资格补录", profession="physician", submitted_by=COMMISSION,
    data=Data, commission_approves=False,
    page=PageHints(intro="按纸质档案补录医师资格，录入即生效，可用于注册核验；证件号码只保存其加密摘要。", submit="录入并批准"),
)
