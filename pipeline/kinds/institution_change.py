"""医疗机构变更登记: one or more register fields, each with its new value."""

from __future__ import annotations

from typing import Annotated

from pydantic import model_validator

from pipeline.fields import DataModel, require_one
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.registers.institutions import (
    Address,
    Beds,
    Departments,
    InstitutionFacts,
    InstitutionName,
    InstitutionType,
    LegalRep,
    Principal,
    own_business_reasons,
)


class Data(DataModel):
    name: Annotated[str, InstitutionName] | None = None
    type: Annotated[str, InstitutionType] | None = None
    address: Annotated[str, Address] | None = None
    departments: Annotated[list[str], Departments] | None = None
    beds: Annotated[int, Beds] | None = None
    legal_rep: Annotated[str, LegalRep] | None = None
    principal: Annotated[str, Principal] | None = None

    @model_validator(mode="after")
    def _something(self) -> Data:
        require_one(self, "机构名称、机构类别、地址、诊疗科目、床位数、法定代表人、主要负责人")
        return self


def refuse(institution: InstitutionFacts) -> list[str]:
    return own_business_reasons(institution, frozenset({"operating", "suspended"}), "不在执业或停业状态，不能办理变更")


KIND = Kind(
    name="institution.change", label="医疗机构变更登记", profession="institution", submitted_by=INSTITUTION,
    data=Data, refuse=refuse, time_limit=TimeLimit(20, "本系统默认"),
    page=PageHints(intro="只填写要变更的登记事项；诊疗科目填写变更后的全部科目。"),
    materials=(Material("change_proof", "变更事项的证明文件", required=False),),
)
