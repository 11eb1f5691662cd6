"""Field cleaners shared by the schemas: each returns the clean value or raises FieldError."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

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
