"""Rule 7: every cell a spreadsheet would run as a formula is neutralised; numbers stay numbers."""
from __future__ import annotations

import pytest

from pipeline.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
                                  "\t=1", "\r=1"])
def test_text_that_starts_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["王建国", "北京市朝阳区医院", "", "D110105202600000011", 120, -5, 3.5, None, True])
def test_everything_else_is_left_alone(value):
    assert safe_cell(value) == value


def test_a_row():
    assert safe_row(["=1", 2, "x"]) == ["'=1", 2, "x"]
