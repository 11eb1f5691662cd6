import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_37_36

from pipeline.identifiers import (
    check_character, format_identifier, is_valid_identifier, parse_identifier,
)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
professions = st.sampled_from(["physician", "nurse", "institution"])
divisions = st.from_regex(r"\A[0-9]{6}\Z")
years = st.integers(1000, 9999)
serials = st.integers(1, 9_999_999)


def test_example():
    value = format_identifier("physician", "110105", 2026, 1)
    assert value[:18] == "D11010520260000001"
    assert len(value) == 19 and value[18] == check_character(value[:18])
    assert mod_37_36.is_valid(value)
    assert parse_identifier(value) == ("physician", "110105", 2026, 1)


@given(professions, divisions, years, serials)
def test_round_trip(profession, division, year, serial):
    value = format_identifier(profession, division, year, serial)
    assert len(value) == 19
    assert mod_37_36.is_valid(value)
    assert is_valid_identifier(value)
    assert parse_identifier(value) == (profession, division, year, serial)


@given(professions, divisions, years, serials, st.integers(0, 18), st.sampled_from(ALPHABET))
def test_single_character_change_is_detected(profession, division, year, serial, at, char):
    value = format_identifier(profession, division, year, serial)
    changed = value[:at] + char + value[at + 1:]
    if changed != value:
        assert not mod_37_36.is_valid(changed)
        assert not is_valid_identifier(changed)


@pytest.mark.parametrize("args", [
    ("dentist", "110105", 2026, 1), ("physician", "11010", 2026, 1),
    ("physician", "110105", 26, 1), ("physician", "110105", 2026, 0),
    ("physician", "110105", 2026, 10_000_000), ("nurse", "110105", 2026, True),
])
def test_format_refuses_bad_parts(args):
    with pytest.raises(ValueError):
        format_identifier(*args)


def test_invalid_values():
    good = format_identifier("nurse", "310101", 2025, 42)
    body = "N3101012025" + "0000000"
    for bad in (good[:-1], good + "0", good.lower(), "X" + good[1:], None,
                body + check_character(body)):
        assert not is_valid_identifier(bad)
        with pytest.raises(ValueError):
            parse_identifier(bad)
