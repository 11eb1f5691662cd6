"""Fields and data models: every check of a value, and the pydantic types built from them.

A check is a plain function: it returns the clean value or raises FieldError with a Chinese reason and a
machine-readable code. Commands and services call the checks directly; the data models of sign-up and of
every application kind use them through the `Annotated` types below, which also carry the field's Chinese
title (the page label and the OpenAPI title) and how a page shows it (`Widget`).

`clean(Model, data)` is the one way in: the clean values, or ValidationFailed with one reason and one code
per field — the same whoever submits (API, page, CSV batch, counter).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError, ValidationInfo, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, core_schema

from pipeline import clock
from pipeline.errors import ValidationFailed

REQUIRED = "必填"
# The largest id or count a request may name (a PostgreSQL integer).
MAX_INT = 2**31 - 1

# Codes of a refused field (api `error.codes`); docs/api.md lists them.
CODES: dict[str, str] = {
    "required": "必填项未填",
    "unknown_field": "不支持的字段",
    "not_object": "应为JSON对象",
    "type": "类型不对（如应为文本却给了数字）",
    "too_short": "太短",
    "too_long": "太长",
    "format": "格式不对",
    "choice": "不在可选值之中",
    "checksum": "校验位错误",
    "date": "不是有效日期",
    "future": "晚于今天",
    "out_of_range": "超出允许范围",
    "mismatch": "与其他字段或已有记录不一致",
    "conflict": "与他人已有的记录冲突",
    "not_found": "所指的记录不存在或不在可见范围内",
    "too_large": "文件太大",
    "file_type": "文件类型不支持",
    "required_one": "至少须填写一项",
    "invalid": "其他错误",
}


class FieldError(ValueError):
    """One field's Chinese reason and its code."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


# --- checks ----------------------------------------------------------------------------------------


# Characters no text field keeps: control characters (a vertical tab, an escape, a backspace in a name reach the
# public record, the licence, SMS and exports), the line and paragraph separators, and the bidirectional controls
# that make text display other than it reads ("Trojan Source": U+202E turns 张三‮abc into 张三cba on every page).
# A line break and a tab are kept only in free text (`lines=True`: reasons, notes, statements).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
BAD_CHARACTER = "不能含有控制字符、换行符或改变文字方向的字符"
BAD_CHARACTER_LINES = "不能含有控制字符或改变文字方向的字符"


# One scan in C per value (text() runs on every cell of a legacy import): the characters refused, with and without
# line breaks and tabs.
_BAD = "".join(sorted(BIDI_CONTROLS | LINE_SEPARATORS))
_BAD_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BAD}]")
_BAD_IN_LINES = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BAD}]")


def bad_character(value: str, lines: bool = False) -> bool:
    """Whether `value` holds a character no text field keeps (BIDI_CONTROLS, LINE_SEPARATORS, a control character
    other than a line break or tab in free text)."""
    return (_BAD_IN_LINES if lines else _BAD_IN_LINE).search(value) is not None


def escaped(value: str) -> str:
    """`value` with each character no text field keeps written as its escape (`\\x1b`, `\\u202e`), line breaks and
    tabs kept: text from a file or a command line, echoed to a terminal, must not drive it (an escape sequence
    colours or clears the screen, a direction control reverses what follows)."""
    return _BAD_IN_LINES.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), value)


def text(value: Any, low: int, high: int, what: str, lines: bool = False) -> str:
    """A stripped, non-blank string of low..high characters, without control or bidirectional characters (line
    breaks and tabs allowed when `lines`)."""
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本", "type")
    value = value.strip()
    if not value:
        raise FieldError(REQUIRED, "required")
    if bad_character(value, lines):
        raise FieldError(f"{what}{BAD_CHARACTER_LINES if lines else BAD_CHARACTER}", "format")
    if not low <= len(value) <= high:
        # A fixed length (an identifier's 19) is one number, not "19至19"; and the reader learns how many were typed.
        wanted = f"{low}个字符" if low == high else f"{low}至{high}个字符"
        raise FieldError(f"{what}长度应为{wanted}" + (f"，现有{len(value)}个" if low == high else ""),
                         "too_short" if len(value) < low else "too_long")
    return value


def free_text(value: Any, high: int, what: str, lines: bool = True) -> str:
    """Text a person may leave out (a comment, a reason, a search string): stripped, "" when not given, at most `high`
    characters — kept, shown and searched with, it must not be a document — and, as every text field, without control
    or bidirectional characters (a comment goes into an SMS and an inbox: an escape sequence or a right-to-left
    override would change what its reader sees). Line breaks and tabs only when `lines`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本", "type")
    value = value.strip()
    if len(value) > high:
        raise FieldError(f"{what}不能超过{high}个字符（现有{len(value)}个）", "too_long")
    if bad_character(value, lines):
        raise FieldError(f"{what}{BAD_CHARACTER_LINES if lines else BAD_CHARACTER}", "format")
    return value


def choice(value: Any, options: Mapping[str, str] | Sequence[str], what: str) -> str:
    """A value from `options`; a mapping maps accepted spellings to the clean value."""
    if isinstance(value, str):
        key = value.strip()
        if isinstance(options, Mapping):
            if key in options:
                return options[key]
            if key.lower() in options:
                return options[key.lower()]
        elif key in options:
            return key
    shown = "、".join(dict.fromkeys(options.values()) if isinstance(options, Mapping) else options)
    raise FieldError(f"{what}应为以下之一：{shown}", "choice")


def positive_int(value: Any, what: str, high: int = MAX_INT) -> int:
    """A positive integer up to `high`; numeric strings are accepted."""
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,12}\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FieldError(f"{what}应为正整数", "type")
    if value > high:
        raise FieldError(f"{what}超出允许范围", "out_of_range")
    return value


def iso_date(value: Any, what: str) -> date:
    """A real calendar date written YYYY-MM-DD (a date object is accepted as is), between years 1900 and 2999."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        raise FieldError(f"{what}格式应为YYYY-MM-DD", "format")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(f"{what}不是有效的日期", "date") from None
    if not 1900 <= day.year <= 2999:
        raise FieldError(f"{what}不是有效的日期", "date")
    return day


def not_after(day: date, today: date, what: str) -> date:
    if day > today:
        raise FieldError(f"{what}不能晚于今天", "future")
    return day


def not_before(day: date, today: date, what: str) -> date:
    if day < today:
        raise FieldError(f"{what}不能早于今天", "out_of_range")
    return day


def age_on(birth: date, today: date) -> int:
    """Completed years of age on `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def today_of(info: ValidationInfo | None) -> date:
    """The day the rules take as today: `clean(..., today=)` in tests, else the calendar's."""
    context = info.context if info is not None else None
    given = context.get("today") if isinstance(context, Mapping) else None
    return given if isinstance(given, date) else clock.today()


# --- how a page shows a field ------------------------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    """The control a page renders for a field.

    name: text | textarea | date | number | choice | institution | scopes | departments | photo | staff
    options: (value, label) pairs of a choice.
    """

    name: str = "text"
    options: tuple[tuple[str, str], ...] = ()
    multiple: bool = False


# --- types ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # hashed by identity: Annotated metadata must be hashable
class Rule:
    """How one field is checked, titled, documented and shown: the metadata of `Annotated[T, rule]`.

    `check` takes the value (`mode="dated"`: and today's date; `mode="info"`: and pydantic's ValidationInfo,
    to compare with fields given before it) and returns the clean value or raises FieldError.
    """

    check: Callable[..., Any]
    title: str
    schema: Mapping[str, Any]
    widget: Widget = Widget()
    description: str | None = None
    mode: str = "plain"

    def validate(self, value: Any, info: ValidationInfo) -> Any:
        try:
            if self.mode == "dated":
                return self.check(value, today_of(info))
            if self.mode == "info":
                return self.check(value, info)
            return self.check(value)
        except FieldError as error:
            # The reason goes in as context, so braces a person typed come back as typed.
            raise PydanticCustomError(error.code, "{reason}", {"reason": str(error)}) from None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_before_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        described = {"description": self.description} if self.description else {}
        return {**self.schema, "title": self.title, **described}


def checked(check: Callable[..., Any], title: str, *, schema: Mapping[str, Any], widget: Widget | None = None,
            description: str | None = None, mode: str = "plain") -> Rule:
    return Rule(check, title, dict(schema), widget or Widget(), description, mode)


def Text(title: str, low: int, high: int, *, what: str | None = None, upper: bool = False,
         description: str | None = None, widget: str = "text", lines: bool = False) -> Rule:
    def check(value: Any) -> str:
        clean = text(value, low, high, what or title, lines)
        return clean.upper() if upper else clean

    return checked(check, title, schema={"type": "string", "minLength": low, "maxLength": high},
                   widget=Widget(widget), description=description)


def Choice(title: str, values: Mapping[str, str] | Sequence[str], *, aliases: Mapping[str, str] | None = None,
           what: str | None = None, description: str | None = None) -> Rule:
    """One of `values` (a mapping: value → its Chinese label, shown on pages and in the reason). The value or
    its label is accepted, and any of `aliases` (spelling → value)."""
    labels = dict(values) if isinstance(values, Mapping) else {value: value for value in values}
    spellings = {**{value: value for value in labels}, **{label: value for value, label in labels.items()}, **(aliases or {})}
    shown = what or title

    def check(value: Any) -> str:
        try:
            return choice(value, spellings, shown)
        except FieldError:
            raise FieldError(f"{shown}应为以下之一：{'、'.join(labels.values())}", "choice") from None

    return checked(check, title, schema={"type": "string", "enum": list(labels)},
                   widget=Widget("choice", tuple(labels.items())), description=description)


def PositiveInt(title: str, *, what: str | None = None, widget: str = "number", description: str | None = None) -> Rule:
    return checked(lambda value: positive_int(value, what or title), title,
                   schema={"type": "integer", "minimum": 1, "maximum": MAX_INT}, widget=Widget(widget), description=description)


def given(value: Any, what: str) -> str:
    """A string exactly as given (a password, a code, a username: never stripped)."""
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本", "type")
    return value


def Given(title: str, *, description: str | None = None, **schema: Any) -> Rule:
    """Text taken as given; `schema` documents what a service will accept of it (a pattern, a length)."""
    return checked(lambda value: given(value, title), title, schema={"type": "string", **schema}, description=description)


# JSON type → the Python types that carry it and how a reason names it.
JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "文本"), "integer": ((int,), "整数"), "boolean": ((bool,), "true 或 false"),
    "array": ((list,), "列表"), "object": ((dict,), "对象"),
}


def Loose(title: str, schema: Mapping[str, Any], *, description: str | None = None) -> Rule:
    """A field a service checks further, because its reasons need the database or come in an order the API keeps
    (404 before 400): documented in full by `schema`, checked here only for its JSON type. Annotate it as
    `Annotated[Any, Loose(...)]` so that pydantic leaves the value as given."""
    types_, word = JSON_TYPES[schema["type"]]

    def check(value: Any) -> Any:
        if not isinstance(value, types_) or (isinstance(value, bool) and bool not in types_):
            raise FieldError(f"{title}应为{word}", "type")
        return value

    return checked(check, title, schema=schema, description=description)


def Day(title: str, *, not_future: bool = False, not_past: bool = False, description: str | None = None) -> Rule:
    """A date; the application keeps it as YYYY-MM-DD text. `not_future`: today at the latest (a date something
    happened); `not_past`: today at the earliest (a date something is expected)."""
    def check(value: Any, today: date) -> date:
        day = iso_date(value, title)
        if not_future:
            not_after(day, today, title)
        if not_past:
            not_before(day, today, title)
        return day

    return checked(check, title, schema={"type": "string", "format": "date"}, widget=Widget("date"),
                   description=description, mode="dated")


# --- data models ------------------------------------------------------------------------------------


class RequestModel(BaseModel):
    """What a request carries: unknown keys refused.

    Every JSON body of the API (`portal/api/common.body_of` takes nothing else) and every kind's `data` is one of
    these, so a key nobody asked for is refused the same way everywhere (400, code `unknown_field`) rather than
    silently dropped; a subclass that tries to loosen that fails at import.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.model_config.get("extra") != "forbid":
            raise TypeError(f"{cls.__name__}: a request model refuses unknown keys; do not set extra= on a RequestModel")


class DataModel(RequestModel):
    """The data of a request: unknown keys refused, blank values (None, "", [], whitespace) taken as not given."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if not is_blank(value)}
        return data


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: object, *, whole: str = "data", today: date | None = None) -> M:
    """The model of `data`, or ValidationFailed; `whole` names the field a reason about the whole object gets."""
    try:
        return model.model_validate(data, context={"today": today or clock.today()})
    except ValidationError as error:
        raise refused(error, whole, getattr(model, "unknown_field_reason", UNKNOWN_FIELD), labels_of(model)) from None


def clean(model: type[BaseModel], data: object, *, whole: str = "data", today: date | None = None) -> dict[str, Any]:
    """The clean values as JSON-ready data (dates as YYYY-MM-DD), without fields not given."""
    return validate(model, data, whole=whole, today=today).model_dump(mode="json", exclude_none=True)


UNKNOWN_FIELD = "不支持的字段"
_PYDANTIC_REASONS: dict[str, tuple[str, str]] = {
    "missing": ("required", REQUIRED),
    "extra_forbidden": ("unknown_field", UNKNOWN_FIELD),
    "model_type": ("not_object", "请求内容应为JSON对象"),
    "model_attributes_type": ("not_object", "请求内容应为JSON对象"),
    "dict_type": ("not_object", "请求内容应为JSON对象"),
}


@functools.cache
def labels_of(model: type[BaseModel]) -> dict[str, str]:
    """Each field's Chinese name (its rule's title), for messages: `name` → 姓名."""
    def title(annotation: Any, info: FieldInfo | None = None) -> str | None:
        for item in (info.metadata if info is not None else []):
            if isinstance(item, Rule):
                return item.title
        if typing.get_origin(annotation) is Annotated:
            return next((item.title for item in typing.get_args(annotation)[1:] if isinstance(item, Rule)), None)
        for inner in typing.get_args(annotation):  # an optional field: Annotated[…] | None
            found = title(inner)
            if found:
                return found
        return None

    labels = {name: title(info.annotation, info) or info.title for name, info in model.model_fields.items()}
    return {name: label for name, label in labels.items() if label}


def refused(error: ValidationError, whole: str = "data", unknown: str = UNKNOWN_FIELD,
            labels: Mapping[str, str] | None = None) -> ValidationFailed:
    """One reason and one code per field (the first pydantic found); a reason about the object goes to `whole`.
    `unknown` is the reason for a field the model does not take (a model may say more: `unknown_field_reason`);
    `labels` name the fields in the message."""
    fields: dict[str, str] = {}
    codes: dict[str, str] = {}
    for problem in error.errors(include_url=False):
        loc = problem.get("loc") or ()
        name = str(loc[0]) if loc else whole
        if name in fields:
            continue
        code, reason = _PYDANTIC_REASONS.get(problem["type"], (problem["type"], problem["msg"]))
        if code == "unknown_field":
            reason = unknown
        if code not in CODES:
            code, reason = "invalid", "格式不正确"
        fields[name], codes[name] = reason, code
    return ValidationFailed(fields, codes, labels)


def require_one(model: BaseModel, what: str) -> None:
    """For models of optional fields only (a change of some details): refuse one with none given."""
    if not model.model_fields_set:
        raise PydanticCustomError("required_one", "请至少填写一项要变更的信息：{what}", {"what": what})


# --- reading a model's fields (pages, labels, the API document) ----------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    required: bool
    widget: Widget
    description: str | None


def _metadata(info: FieldInfo) -> list[Any]:
    """The Annotated metadata of a field, looking through `X | None`."""
    found = list(info.metadata)
    annotation = info.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) is Annotated:
                found += list(arg.__metadata__)
    return found


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """Every field of `model` in order, with its Chinese title and widget."""
    specs = []
    for name, info in model.model_fields.items():
        rule = next((item for item in _metadata(info) if isinstance(item, Rule)), None)
        title = (rule.title if rule else None) or info.title or name
        description = (rule.description if rule else None) or info.description
        specs.append(FieldSpec(name, title, info.is_required(), rule.widget if rule else Widget(), description))
    return specs


def titles(model: type[BaseModel]) -> dict[str, str]:
    return {spec.name: spec.title for spec in field_specs(model)}
