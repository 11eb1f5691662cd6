"""护士个人信息变更: photo, education, school, title or department; the institution's confirmation is final."""

from __future__ import annotations

from typing import Annotated

from pydantic import model_validator

from pipeline.fields import Choice, DataModel, require_one
from pipeline.kinds import PERSON, Kind, PageHints
from pipeline.persons import Education, PersonFacts, Photo, School, is_profession
from pipeline.registers.nurses import TITLES, Department, NurseEntryFacts


class Data(DataModel):
    photo: Annotated[dict, Photo] | None = None
    education: Annotated[str, Education] | None = None
    school: Annotated[str, School] | None = None
    title: Annotated[str, Choice("职称", TITLES)] | None = None
    department: Annotated[str, Department] | None = None

    @model_validator(mode="after")
    def _something(self) -> Data:
        require_one(self, "照片、学历、毕业学校、职称或工作科室")
        return self


def refuse(person: PersonFacts, nurse: NurseEntryFacts | None) -> list[str]:
    reasons = is_profession(person, "nurse")
    if nurse is None or not nurse.identifier:
        reasons.append("尚无取得电子化注册识别码的护士注册，不能变更个人信息")
    elif nurse.status == "cancelled":
        reasons.append("护士注册已注销，不能变更个人信息")
    return reasons


KIND = Kind(
    name="nurse.info_change", label="护士个人信息变更", profession="nurse", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True, commission_approves=False,
    page=PageHints(intro="填写要变更的项目，不变更的留空。经所在机构确认即生效。"),
)
