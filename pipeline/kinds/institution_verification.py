"""医疗机构校验: the periodic verification (every year under 100 beds, every three years from 100)."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel, Text
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.registers.institutions import InstitutionFacts, own_business_reasons


class Data(DataModel):
    note: Annotated[str, Text("说明", 1, 500, description="本校验期执业情况的说明", lines=True)] | None = None


def refuse(institution: InstitutionFacts) -> list[str]:
    return own_business_reasons(institution, frozenset({"operating"}), "不在执业状态，不能办理校验")


KIND = Kind(
    name="institution.verification", label="医疗机构校验", profession="institution", submitted_by=INSTITUTION,
    data=Data, refuse=refuse, time_limit=TimeLimit(20, "本系统默认"),
    page=PageHints(intro="床位不满100张的每年校验一次，100张以上的每三年校验一次。"),
    materials=(Material("practice_report", "校验期内执业情况报告"),),
)
