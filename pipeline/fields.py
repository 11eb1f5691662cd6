"""Field cleaners shared by the schemas: each returns the clean value or raises FieldError."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pipeline.errors import ValidationFailed

REQUIRED = "必填"


class FieldError(ValueError):
    """One field's Chinese reason; collected into ValidationFailed by the schemas."""


def text(value: Any, low: int, high: int, what: str) -> str:
    """A stripped, non-blank string of low..high characters."""
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本")
    value = value.strip()
    if not value:
        raise FieldError(REQUIRED)
    if not low <= len(value) <= high:
        raise FieldError(f"{what}长度应为{low}至{high}个字符")
    return value


def choice(value: Any, options: dict[str, str] | list[str] | tuple[str, ...], what: str) -> str:
    """A value from `options`; a dict maps accepted spellings to the clean value."""
    if isinstance(value, str):
        key = value.strip()
        if isinstance(options, dict):
            if key in options:
                return options[key]
            if key.lower() in options:
                return options[key.lower()]
        elif key in options:
            return key
    shown = "、".join(dict.fromkeys(options.values()) if isinstance(options, dict) else options)
    raise FieldError(f"{what}应为以下之一：{shown}")


def positive_int(value: Any, what: str) -> int:
    """A positive integer; numeric strings are accepted."""
    if isinstance(value, bool):
        raise FieldError(f"{what}应为正整数")
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise FieldError(f"{what}应为正整数")
    return value


def iso_date(value: Any, what: str) -> date:
    """A real calendar date written YYYY-MM-DD (a date object is accepted as is)."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        raise FieldError(f"{what}格式应为YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(f"{what}不是有效的日期") from None


def age_on(birth: date, today: date) -> int:
    """Completed years of age on `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


Cleaner = Callable[[Any], Any]


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def collect(
    data: Mapping,
    required: dict[str, Cleaner],
    optional: dict[str, Cleaner] | None = None,
    errors: dict[str, str] | None = None,
    refuse_unknown: bool = True,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean required and optional fields and (unless told not to) refuse any other key:
    (clean values, one reason per bad field)."""
    optional = optional or {}
    clean: dict[str, Any] = {}
    errors = errors if errors is not None else {}
    for field, cleaner in {**required, **optional}.items():
        value = data.get(field)
        if is_blank(value):
            if field in required:
                errors[field] = REQUIRED
            continue
        try:
            clean[field] = cleaner(value)
        except FieldError as error:
            errors[field] = str(error)
    for key in data if refuse_unknown else ():
        if key not in required and key not in optional:
            errors[str(key)] = "不支持的字段"
    return clean, errors


def finished(clean: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The clean values, or ValidationFailed with every reason."""
    if errors:
        raise ValidationFailed(errors)
    return clean
