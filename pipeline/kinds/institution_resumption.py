"""医疗机构解除停业: a suspended institution practises again."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel, Text
from pipeline.kinds import INSTITUTION, Kind, TimeLimit
from pipeline.previews import operating
from pipeline.registers.institutions import InstitutionFacts, own_business_reasons


class Data(DataModel):
    note: Annotated[str, Text("说明", 1, 500, lines=True)] | None = None


def refuse(institution: InstitutionFacts) -> list[str]:
    return own_business_reasons(institution, frozenset({"suspended"}), "未停业，无需解除停业")


KIND = Kind(
    name="institution.resumption", label="医疗机构解除停业", profession="institution", submitted_by=INSTITUTION,
    data=Data, refuse=refuse, time_limit=TimeLimit(20, "本系统默认"),
    preview=operating,
)
