"""医师注册备案: an institution files the departure of one of its physicians (transfer, retirement …); once
approved, the physician joins the non-registered pool (or, leaving a further institution, that practice ends)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pipeline.fields import Choice, DataModel, Day, Text
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.previews import filed
from pipeline.registers.physicians import DEPARTURE_REASONS, PhysicianEntryFacts, PhysicianIdentifier, staff_reasons


class Data(DataModel):
    identifier: Annotated[str, PhysicianIdentifier]
    reason: Annotated[str, Choice("备案原因", DEPARTURE_REASONS)]
    left_on: Annotated[date, Day("离岗日期", not_future=True)]
    comment: Annotated[str, Text("说明", 1, 200, lines=True)] | None = None


def refuse(physician: PhysicianEntryFacts | None, institution_id: int | None) -> list[str]:
    return staff_reasons(physician, institution_id, main_only=False)


KIND = Kind(
    name="physician.departure_filing", label="医师注册备案", profession="physician", submitted_by=INSTITUTION,
    data=Data, refuse=refuse,
    time_limit=TimeLimit(20, "《医师执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="医师调离、退休、退职、被辞退、被开除的，由所在机构申请注册备案；经卫生健康委审批后，该医师归入非在册医师库。"),
    materials=(Material("departure_proof", "离岗证明"),),
    preview=filed,
)
