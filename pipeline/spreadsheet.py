"""Cells a spreadsheet would run: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a
formula to Excel, LibreOffice and WPS (`=HYPERLINK(...)`, `=cmd|...`). Every CSV and XLSX medreg writes passes its
cells through `safe_cell`, which puts a `'` in front of such text; numbers, dates and booleans stay what they are."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as a spreadsheet should get it: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list) -> list:
    return [safe_cell(value) for value in values]
