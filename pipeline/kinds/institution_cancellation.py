"""医疗机构注销登记: the institution closes; its registered staff are handed to the commission to follow up."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel, Text
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.previews import cancelled
from pipeline.registers.institutions import InstitutionFacts, own_business_reasons


class Data(DataModel):
    reason: Annotated[str, Text("注销原因", 2, 500, lines=True)]


def refuse(institution: InstitutionFacts) -> list[str]:
    return own_business_reasons(institution, frozenset({"operating", "suspended"}), "已注销或尚未执业登记，不能办理注销")


KIND = Kind(
    name="institution.cancellation", label="医疗机构注销登记", profession="institution", submitted_by=INSTITUTION,
    data=Data, refuse=refuse, time_limit=TimeLimit(20, "本系统默认"),
    page=PageHints(intro="注销后公示记录显示“已注销”，本机构在册人员转卫生健康委跟进。",
                   confirm="本机构注销登记获批后即停止执业，公示为“已注销”，不能恢复"),
    materials=(Material("cancellation_statement", "注销说明（含人员安置、病历处理情况）"),),
    preview=cancelled,
)
