"""Counter business 窗口业务 for every kind: what a commission clerk enters when someone comes in person.

A counter-only kind's data already says whom it is about. Any other kind is entered as its own data plus
who it is for: a person (by their register identifier, or by ID document and name — with sex, birth date
and mobile when they are new to the system, as for a first registration) or, for an institution's own
business, the institution. `counter_data(kind)` is that model, derived from the kind's own.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Any, cast

from pydantic import create_model

from pipeline.fields import DataModel, PositiveInt
from pipeline.kinds import Kind
from pipeline.persons import BirthDate, IdNumber, IdType, Mobile, Name, Sex
from pipeline.registers.nurses import NurseIdentifier
from pipeline.registers.physicians import PhysicianIdentifier

# Who a person's business entered at the counter is for; the person must be found, or be new (first registration).
PERSON_FIELDS: dict[str, Any] = {
    "id_type": (Annotated[str, IdType] | None, None),
    "id_number": (Annotated[str, IdNumber] | None, None),
    "name": (Annotated[str, Name] | None, None),
    "sex": (Annotated[str, Sex] | None, None),
    "birth_date": (Annotated[date, BirthDate] | None, None),
    "mobile": (Annotated[str, Mobile] | None, None),
}
INSTITUTION_FIELDS: dict[str, Any] = {
    "institution_id": (Annotated[int, PositiveInt("医疗机构", what="医疗机构编号", widget="institution",
                                                  description="办理业务的医疗机构（本卫健委辖区内）")], ...),
}
SUBJECT_FIELDS = frozenset(PERSON_FIELDS) | frozenset(INSTITUTION_FIELDS) | {"identifier"}


@cache
def counter_data(kind: Kind) -> type[DataModel]:
    """The data a clerk enters for `kind` at the counter: the kind's data, and whom it is for."""
    if kind.counter:
        return kind.data
    if kind.profession == "institution":
        extra = INSTITUTION_FIELDS
    else:
        identifier = NurseIdentifier if kind.profession == "nurse" else PhysicianIdentifier
        extra = {"identifier": (Annotated[str, identifier] | None, None), **PERSON_FIELDS}
    extra = {name: spec for name, spec in extra.items() if name not in kind.data.model_fields}
    name = f"Counter{kind.data.__name__}_{kind.name.replace('.', '_')}"
    return cast(type[DataModel], create_model(name, __base__=kind.data, **extra))


def kind_part(kind: Kind, clean: dict[str, Any]) -> dict[str, Any]:
    """What the application keeps as the kind's data: the subject fields the kind's own data does not have
    are dropped (an ID number is never kept in clear)."""
    own = set(kind.data.model_fields)
    return {key: value for key, value in clean.items() if key in own or key not in SUBJECT_FIELDS}
