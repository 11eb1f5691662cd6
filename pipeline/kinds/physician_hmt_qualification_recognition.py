"""港澳台医师资格认定: at the counter, the qualification of a physician from Hong Kong, Macao or Taiwan is
recognised and entered in the qualification database (no register entry, no identifier)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import model_validator

from pipeline import codes
from pipeline.fields import Choice, DataModel, Day
from pipeline.kinds import COMMISSION, Kind, PageHints
from pipeline.persons import IdNumber, IdType, Name
from pipeline.registers.physicians import HMT_REGIONS, EnteredCertificateNo, region_matches_id_type


class Data(DataModel):
    name: Annotated[str, Name]
    id_type: Annotated[str, IdType]
    id_number: Annotated[str, IdNumber]
    region: Annotated[str, Choice("地区", list(HMT_REGIONS))]
    certificate_no: Annotated[str, EnteredCertificateNo]
    level: Annotated[str, Choice("医师级别", codes.QUALIFICATION_LEVELS)]
    category: Annotated[str, Choice("资格类别", codes.QUALIFICATION_CATEGORIES)]
    issued_on: Annotated[date, Day("资格取得日期", not_future=True)]

    @model_validator(mode="after")
    def _permit_of_region(self) -> Data:
        region_matches_id_type(self.region, self.id_type)
        return self


KIND = Kind(
    name="physician.hmt_qualification_recognition", label="港澳台医师资格认定", profession="physician",
    submitted_by=COMMISSION, data=Data, commission_approves=False,
    page=PageHints(intro="认定后的资格记录录入医师资格库，可用于注册核验。", submit="录入并批准"),
)
