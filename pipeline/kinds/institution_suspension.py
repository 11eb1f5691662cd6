"""医疗机构停业: the institution stops practising for a while; it takes no staff business meanwhile."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pipeline.fields import DataModel, Day, Text
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.previews import suspended
from pipeline.registers.institutions import InstitutionFacts, own_business_reasons


class Data(DataModel):
    reason: Annotated[str, Text("停业原因", 2, 500, lines=True)]
    until: Annotated[date, Day("预计恢复日期", not_past=True)] | None = None


def refuse(institution: InstitutionFacts) -> list[str]:
    return own_business_reasons(institution, frozenset({"operating"}), "不在执业状态，不能办理停业")


KIND = Kind(
    name="institution.suspension", label="医疗机构停业", profession="institution", submitted_by=INSTITUTION,
    data=Data, refuse=refuse, time_limit=TimeLimit(20, "本系统默认"),
    page=PageHints(intro="停业期间不能办理本机构人员的注册业务，公示记录显示“已停业”。",
                   confirm="停业获批后本机构公示为“已停业”，停业期间不能办理本机构人员的注册业务"),
    materials=(Material("suspension_statement", "停业说明"),),
    preview=suspended,
)
