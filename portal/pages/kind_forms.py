"""The form of any kind of application, derived from the kind: its fields (title, widget, hint) come from its
data model, its text from its page hints. Every page that takes an application — a person's business, an
institution's staff and licence business, the commission's counter — shows and reads its form through here.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pyramid.request import Request

from pipeline import codes
from pipeline.fields import FieldSpec, field_specs
from pipeline.kinds import Kind
from portal.services import accounts, physicians
from portal.services.institution_desk import registered_staff


@dataclass(frozen=True)
class KindForm:
    kind: Kind
    fields: list[FieldSpec]
    choices: dict[str, list[tuple[Any, str]]]
    prefix: str = ""  # ids of the fields, when one page shows several forms


def staff_roll(request: Request, profession: str) -> list[tuple[Any, str]]:
    """(identifier, "name（identifier）") of the institution's registered staff of a profession."""
    institution_id = request.account.institution_id
    if profession == "physician":
        pairs = physicians.roll(request.dbsession, institution_id)
    else:
        pairs = [(item["identifier"], item["name"]) for item in registered_staff(request.dbsession, institution_id, "nurse")
                 if item["status"] == "registered" and item["identifier"]]
    return [(identifier, f"{name}（{identifier}）") for identifier, name in pairs]


def fields_of(kind: Kind, model: type[BaseModel] | None = None) -> list[FieldSpec]:
    """The fields a form shows: of the kind's data (or of `model`, the counter's data of the kind), less the hidden."""
    return [spec for spec in field_specs(model or kind.data) if spec.name not in kind.page.hidden]


def form_of(request: Request, kind: Kind, prefix: str = "", model: type[BaseModel] | None = None) -> KindForm:
    """The form of `kind`, with the choices its widgets need (loaded only when a field uses them)."""
    fields = fields_of(kind, model)
    widgets = {spec.widget.name for spec in fields}
    choices: dict[str, list[tuple[Any, str]]] = {}
    if "institution" in widgets:
        choices["institution"] = [(i.id, f"{i.name}（{i.division_code}）")
                                  for i in accounts.operating_institutions(request.dbsession)]
    if "staff" in widgets and request.account is not None and request.account.role == "institution":
        choices["staff"] = staff_roll(request, kind.profession)  # anyone else types the identifier
    if "departments" in widgets:
        choices["departments"] = [(name, name) for name in codes.departments()]
    return KindForm(kind, fields, choices, prefix)


def scopes_by_category() -> dict[str, list[str]]:
    return {category: codes.practice_scopes(category) for category in codes.practice_categories()}


def read_form(request: Request, kind: Kind, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """The kind's data as the form posts it: blank fields left out, multi-selects as lists, a photo as base64."""
    data: dict[str, Any] = {}
    for spec in fields_of(kind, model):
        if spec.widget.multiple:
            values = [value for value in request.POST.getall(spec.name) if isinstance(value, str) and value.strip()]
            if values:
                data[spec.name] = values
        elif spec.widget.name == "photo":
            upload = request.POST.get(spec.name)
            raw = upload.file.read() if getattr(upload, "file", None) is not None else b""
            if raw:
                data[spec.name] = base64.b64encode(raw).decode("ascii")
        else:
            value = request.POST.get(spec.name, "")
            if isinstance(value, str) and value.strip():
                data[spec.name] = value.strip()
    return data


def shown(data: dict[str, Any]) -> dict[str, Any]:
    """What a refused form shows again (never the photo)."""
    return {key: value for key, value in data.items() if key != "photo"}
