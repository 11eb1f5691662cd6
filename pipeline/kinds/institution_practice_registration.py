"""医疗机构执业登记: an institution with a set-up approval registers to practise (pre-filled from the approval)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pipeline.fields import DataModel
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.previews import operating
from pipeline.registers.institutions import (
    REGISTER_FIELDS,
    Address,
    Beds,
    Departments,
    Fax,
    InstitutionFacts,
    InstitutionName,
    InstitutionType,
    LegalRep,
    Phone,
    Principal,
    Uscc,
    own_business_reasons,
    prefilled_registration,
)


class Data(DataModel):
    """The credit code; every register field not given is taken from the set-up approval (`prefill`)."""

    uscc: Annotated[str, Uscc]
    phone: Annotated[str, Phone] | None = None
    fax: Annotated[str, Fax] | None = None
    name: Annotated[str, InstitutionName] | None = None
    type: Annotated[str, InstitutionType] | None = None
    address: Annotated[str, Address] | None = None
    departments: Annotated[list[str], Departments] | None = None
    beds: Annotated[int, Beds] | None = None
    legal_rep: Annotated[str, LegalRep] | None = None
    principal: Annotated[str, Principal] | None = None


def refuse(data: Mapping[str, Any], institution: InstitutionFacts, uscc_holder: str | None) -> list[str]:
    """`uscc_holder`: the name of another institution already holding the credit code, if any."""
    reasons = own_business_reasons(institution, frozenset({"setup"}), "已办理执业登记，不能重复登记", needs_identifier=False)
    if uscc_holder:
        reasons.append(f"统一社会信用代码{data.get('uscc')}已由“{uscc_holder}”登记")
    return reasons


KIND = Kind(
    name="institution.practice_registration", label="医疗机构执业登记", profession="institution", submitted_by=INSTITUTION,
    data=Data, refuse=refuse, prefill=prefilled_registration,
    time_limit=TimeLimit(30, "《医疗机构管理条例实施细则》执业登记45日，折合约30个工作日"),
    page=PageHints(intro="登记事项取自卫生健康委录入的设置审批，提交时一并申请。", hidden=REGISTER_FIELDS),
    materials=(Material("setup_approval", "设置医疗机构批准书"), Material("premises_proof", "场所产权或使用证明", required=False)),
    preview=operating,
)
