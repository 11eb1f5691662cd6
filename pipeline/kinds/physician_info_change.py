"""医师个人信息变更: photo, education, school or title; the institution's confirmation is final."""

from __future__ import annotations

from typing import Annotated

from pydantic import model_validator

from pipeline.fields import Choice, DataModel, require_one
from pipeline.kinds import PERSON, Kind, PageHints
from pipeline.persons import Education, PersonFacts, Photo, School, is_profession
from pipeline.registers.physicians import TITLES, PhysicianEntryFacts, entry_reasons


class Data(DataModel):
    photo: Annotated[dict, Photo] | None = None
    education: Annotated[str, Education] | None = None
    school: Annotated[str, School] | None = None
    title: Annotated[str, Choice("职称", TITLES)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Data:
        require_one(self, "照片、学历、毕业学校或职称")
        return self


def refuse(person: PersonFacts, physician: PhysicianEntryFacts | None) -> list[str]:
    """Any physician whose entry holds an identifier and is not cancelled (filed ones too: a physician between
    institutions keeps their record up to date), as a nurse's info change."""
    reasons = is_profession(person, "physician") + entry_reasons(physician)
    if not reasons and physician is not None and physician.status == "cancelled":
        reasons.append("医师注册已注销，不能变更个人信息")
    return reasons


KIND = Kind(
    name="physician.info_change", label="医师个人信息变更", profession="physician", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True, commission_approves=False,
    page=PageHints(intro="填写要变更的项目，不变更的留空。经主要执业机构确认即生效。"),
)
