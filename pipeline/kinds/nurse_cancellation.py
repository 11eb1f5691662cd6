"""护士注销注册: asked for by the nurse (the institution confirms) or filed by the institution about one of its nurses."""

from __future__ import annotations

from typing import Annotated

from pipeline.fields import DataModel, Text
from pipeline.kinds import INSTITUTION, PERSON, Kind, PageHints, TimeLimit
from pipeline.persons import PersonFacts, is_profession
from pipeline.previews import cancelled
from pipeline.registers.nurses import NurseEntryFacts, NurseIdentifier


class Data(DataModel):
    """`identifier` names the nurse when the institution applies; a nurse applying leaves it out."""

    reason: Annotated[str, Text("注销原因", 2, 200, lines=True)]
    identifier: Annotated[str, NurseIdentifier] | None = None


def refuse(person: PersonFacts, nurse: NurseEntryFacts | None, institution_id: int | None) -> list[str]:
    reasons = is_profession(person, "nurse")
    if nurse is None or not nurse.identifier:
        reasons.append("尚无取得电子化注册识别码的护士注册，无需注销")
    elif nurse.status == "cancelled":
        reasons.append("护士注册已注销")
    elif nurse.institution_id != institution_id:
        reasons.append("只能由护士注册所在的执业机构确认或申请注销")
    return reasons


KIND = Kind(
    name="nurse.cancellation", label="护士注销注册", profession="nurse", submitted_by=PERSON,
    also_submitted_by=INSTITUTION, data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《护士执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="护士本人申请的，由所在机构确认；机构为本机构护士申请的，直接报卫生健康委审批。",
                   confirm="注销注册获批后该护士的执业注册即失效，公示为“已注销”"),
    preview=cancelled,
)
