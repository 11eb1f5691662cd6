"""The form of any kind of application, derived from the kind: its fields (title, widget, hint) come from its
data model, its text from its page hints. Every page that takes an application — a person's business, an
institution's staff and licence business, the commission's counter — shows and reads its form through here.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pyramid.request import Request

from pipeline import codes
from pipeline.errors import ValidationFailed
from pipeline.fields import FieldSpec, field_specs, validate
from pipeline.kinds import PROFESSIONS, Kind
from pipeline.routing import jurisdiction_prefix
from portal.errors import invalid
from portal.services import institution_choices, institution_desk
from portal.services.institution_choices import Scope

LOOKUP = "lookup"  # the name of an institution field's 查找 button; its value is the field's name


@dataclass(frozen=True)
class InstitutionField:
    """What an institution field shows (kind_form.jinja2 `institution_field`): the text looked up, the institution
    chosen and those the text found — at most institution_choices.LIMIT, never the register — and the scope they lie
    in, which the type-ahead asks the public search for too."""

    text: str
    selected: str
    options: list[tuple[int, str]]
    found: int  # how many of the options the text found (the others: the one chosen)
    more: bool  # the text found more than are shown
    scope: Scope
    limit: int = institution_choices.LIMIT

    @property
    def searched(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class KindForm:
    kind: Kind
    fields: list[FieldSpec]
    choices: dict[str, list[tuple[Any, str]]]
    prefix: str = ""  # ids of the fields, when one page shows several forms
    institutions: dict[str, InstitutionField] = field(default_factory=dict)  # by field name
    typed_staff: str = ""  # why a colleague's identifier is typed, not chosen (a roll too long to list)


def find_name(name: str) -> str:
    """The name of the text box an institution field is looked up by."""
    return f"{name}-find"


def looking_up(request: Request) -> bool:
    """The form was posted by an institution field's 查找 button: show it again with the institutions found, keeping
    what was typed, and submit nothing."""
    return request.method == "POST" and bool(request.POST.get(LOOKUP))


def institution_field(request: Request, name: str, value: Any, scope: Scope, required: bool = True) -> InstitutionField:
    """The field `name` with `value` chosen (an id, or blank) and the institutions its text box found. A required field
    whose lookup found exactly one institution, and had none chosen, chooses it."""
    text = request.params.get(find_name(name), "")
    text = text.strip() if isinstance(text, str) else ""
    current = institution_choices.chosen(request.dbsession, value, scope)
    found, more = institution_choices.find(request.dbsession, text, scope, institution_choices.LIMIT - (current is not None))
    rows = ([current] if current else []) + [i for i in found if current is None or i.id != current.id]
    if current is None and required and len(found) == 1:
        current = found[0]
    return InstitutionField(text, str(current.id) if current else "", [(i.id, f"{i.name}（{i.division_code}）") for i in rows],
                            len(found), more, scope)


def institution_scope(request: Request, kind: Kind) -> Scope:
    """At the counter, the clerk's jurisdiction (and, for an institution's own business, any institution there: one
    being registered has no identifier yet, one resuming is suspended); anyone else, the country's institutions a
    person can register with."""
    account = request.account
    if account is not None and account.role == "commission":
        return Scope(jurisdiction_prefix(account.division_code), registered=kind.profession != "institution")
    return Scope()


def staff_roll(request: Request, profession: str) -> list[tuple[Any, str]] | None:
    """(identifier, "name（identifier）") of the institution's registered staff of a profession; None when there are too
    many to list (the identifier is typed)."""
    pairs = institution_desk.roll(request.dbsession, request.account.institution_id, profession)
    return None if pairs is None else [(identifier, f"{name}（{identifier}）") for identifier, name in pairs]


def fields_of(kind: Kind, model: type[BaseModel] | None = None) -> list[FieldSpec]:
    """The fields a form shows: of the kind's data (or of `model`, the counter's data of the kind), less the hidden."""
    return [spec for spec in field_specs(model or kind.data) if spec.name not in kind.page.hidden]


def form_of(request: Request, kind: Kind, prefix: str = "", model: type[BaseModel] | None = None,
            values: Mapping[str, Any] | None = None) -> KindForm:
    """The form of `kind` showing `values`, with the choices its widgets need (loaded only when a field uses them)."""
    fields = fields_of(kind, model)
    widgets = {spec.widget.name for spec in fields}
    choices: dict[str, list[tuple[Any, str]]] = {}
    institutions = {spec.name: institution_field(request, spec.name, (values or {}).get(spec.name), institution_scope(request, kind),
                                                 spec.required)
                    for spec in fields if spec.widget.name == "institution"}
    typed_staff = ""
    if "staff" in widgets and request.account is not None and request.account.role == "institution":
        staff = staff_roll(request, kind.profession)  # anyone else types the identifier
        if staff is None:
            typed_staff = (f"本机构在册{PROFESSIONS[kind.profession]}超过{institution_desk.ROLL_MOST}人，"
                           "不便逐一列出：请输入其电子化注册识别码")
        else:
            choices["staff"] = staff
    if "departments" in widgets:
        choices["departments"] = [(name, name) for name in codes.departments()]
    return KindForm(kind, fields, choices, prefix, institutions, typed_staff)


def scopes_by_category() -> list[tuple[str, list[tuple[str, str]]]]:
    """The 执业范围 choice's groups: each scope once (codes.scope_groups), never twice in one select."""
    return codes.scope_groups()


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


CONFIRM_MISSING = "请勾选确认后再提交"


def confirmed(request: Request, kind: Kind, data: Mapping[str, Any]) -> None:
    """A kind that ends something (its page's `confirm`) is sent only with its box ticked: else 400 on `confirm`,
    and nothing is submitted — with the reasons of the form's other fields as well, so that one more send, ticked
    and mended, is enough. Called where the page's other refusals are caught, so what was typed stays."""
    if not kind.page.confirm or request.POST.get("confirm") == "1":
        return
    shown_fields = {spec.name for spec in fields_of(kind)}
    reasons: dict[str, str] = {}
    try:
        validate(kind.data, dict(data))
    except ValidationFailed as failure:
        reasons = {name: reason for name, reason in failure.fields.items() if name in shown_fields}
    raise invalid({**reasons, "confirm": CONFIRM_MISSING})


def shown(data: dict[str, Any]) -> dict[str, Any]:
    """What a refused form shows again (never the photo)."""
    return {key: value for key, value in data.items() if key != "photo"}
