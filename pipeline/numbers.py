"""Numbers as they arrive in query strings and forms: ASCII digits only (`"①".isdigit()` is true in Python, `int("①")`
is not a number), and no larger than the database's integer columns hold."""

from __future__ import annotations

MAX_INT = 2**31 - 1  # PostgreSQL `integer`: ids, cursors, pages


def is_count(raw: object, maximum: int = MAX_INT) -> bool:
    """`raw` is text of ASCII digits whose value fits `maximum`."""
    return isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 12 and int(raw) <= maximum
