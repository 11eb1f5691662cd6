"""医师注销注册: the main institution cancels a physician's registration (death, criminal penalty …, 执业医师法第十六条)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from pipeline.fields import Choice, DataModel, Day, Text
from pipeline.kinds import INSTITUTION, Kind, PageHints, TimeLimit
from pipeline.materials import Material
from pipeline.previews import cancelled
from pipeline.registers.physicians import CANCELLATION_REASONS, PhysicianEntryFacts, PhysicianIdentifier, staff_reasons


class Data(DataModel):
    identifier: Annotated[str, PhysicianIdentifier]
    reason: Annotated[str, Choice("注销原因", CANCELLATION_REASONS)]
    occurred_on: Annotated[date, Day("发生日期", not_future=True)]
    comment: Annotated[str, Text("说明", 1, 200, description="注销原因为“其他”时必填", lines=True)] | None = None

    @field_validator("comment", mode="after")
    @classmethod
    def _explain_other(cls, comment: Any, info: ValidationInfo) -> Any:
        if comment is None and info.data.get("reason") == "other":
            raise PydanticCustomError("required", "注销原因为“其他”时须填写说明")
        return comment

    model_config = DataModel.model_config | {"validate_default": True}


def refuse(physician: PhysicianEntryFacts | None, institution_id: int | None) -> list[str]:
    """Only the main institution cancels; a filed entry is no longer on any roll."""
    return staff_reasons(physician, institution_id, main_only=True)


KIND = Kind(
    name="physician.cancellation", label="医师注销注册", profession="physician", submitted_by=INSTITUTION,
    data=Data, refuse=refuse,
    time_limit=TimeLimit(20, "《医师执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="医师死亡、被宣告失踪、受刑事处罚、受吊销医师执业证书行政处罚等情形的，由主要执业机构申请注销注册，经卫生健康委审批。",
                   confirm="注销注册获批后该医师的执业注册即失效，公示为“已注销”"),
    materials=(Material("cause_proof", "注销事由证明（如死亡证明、判决书）"),),
    preview=cancelled,
)
