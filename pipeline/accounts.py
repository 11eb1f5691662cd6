"""Accounts: the real-name sign-up of a physician or nurse (个人实名注册)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import ConfigDict

from pipeline.fields import Choice, DataModel, PositiveInt, validate
from pipeline.persons import PROFESSIONS, BirthDate, IdNumber, IdType, Mobile, Name, Password, Sex


class SignUp(DataModel):
    """What a physician or nurse gives to open an account; their institution then activates it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    profession: Annotated[str, Choice("职业", PROFESSIONS)]
    name: Annotated[str, Name]
    sex: Annotated[str, Sex]
    birth_date: Annotated[date, BirthDate]
    id_type: Annotated[str, IdType]
    id_number: Annotated[str, IdNumber]
    mobile: Annotated[str, Mobile]
    password: Annotated[str, Password]
    institution_id: Annotated[int, PositiveInt("执业机构", what="机构编号", widget="institution",
                                               description="所在执业机构的编号（公开查询结果中的 institution_id）")]


def clean_signup(data: object, today: date | None = None) -> dict[str, Any]:
    """The clean sign-up (birth_date as a date), or ValidationFailed; unknown keys are ignored."""
    return validate(SignUp, data, whole="body", today=today).model_dump()
