"""pipeline.identifiers: the 19-character electronic registration identifier and its MOD 37,36 check character."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.iso7064 import mod_37_36

from pipeline.identifiers import (
    MAX_SERIAL,
    REGISTER_LETTERS,
    REGISTER_OF_LETTER,
    check_character,
    format_identifier,
    is_valid_identifier,
    parse_identifier,
    serial_identifiers,
)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
registers = st.sampled_from(["physician", "nurse", "institution"])
divisions = st.from_regex(r"\A[0-9]{6}\Z")
years = st.integers(1000, 9999)
serials = st.integers(1, MAX_SERIAL)


def test_register_letters():
    assert REGISTER_LETTERS == {"physician": "D", "nurse": "N", "institution": "H"}
    assert REGISTER_OF_LETTER == {"D": "physician", "N": "nurse", "H": "institution"}


@pytest.mark.parametrize(("register", "letter"), [("physician", "D"), ("nurse", "N"), ("institution", "H")])
def test_example(register, letter):
    value = format_identifier(register, "110105", 2026, 1)
    assert value[:18] == f"{letter}11010520260000001"
    assert len(value) == 19 and value[18] == check_character(value[:18])
    assert mod_37_36.is_valid(value)
    assert parse_identifier(value) == (register, "110105", 2026, 1)


@settings(database=None)
@given(registers, divisions, years, serials)
def test_round_trip(register, division, year, serial):
    value = format_identifier(register, division, year, serial)
    assert len(value) == 19
    assert mod_37_36.is_valid(value)
    assert is_valid_identifier(value)
    assert parse_identifier(value) == (register, division, year, serial)


@settings(database=None)
@given(registers, divisions, years, serials, st.integers(0, 18), st.sampled_from(ALPHABET))
def test_single_character_change_is_detected(register, division, year, serial, at, char):
    value = format_identifier(register, division, year, serial)
    changed = value[:at] + char + value[at + 1:]
    if changed != value:
        assert not mod_37_36.is_valid(changed)
        assert not is_valid_identifier(changed)


@pytest.mark.parametrize("args", [
    ("dentist", "110105", 2026, 1), ("physician", "11010", 2026, 1), ("physician", 110105, 2026, 1),
    ("physician", "110105", 26, 1), ("physician", "110105", 10000, 1), ("physician", "110105", True, 1),
    ("physician", "110105", 2026, 0), ("physician", "110105", 2026, MAX_SERIAL + 1), ("nurse", "110105", 2026, True),
    ("nurse", "110105", "2026", 1),
])
def test_format_refuses_bad_parts(args):
    with pytest.raises(ValueError):
        format_identifier(*args)


def test_invalid_values():
    good = format_identifier("nurse", "310101", 2025, 42)
    body = "N3101012025" + "0000000"  # serial 0 with a correct check character
    for bad in (good[:-1], good + "0", good.lower(), "X" + good[1:], None, 12, body + check_character(body)):
        assert not is_valid_identifier(bad)
        with pytest.raises(ValueError):
            parse_identifier(bad)


@settings(database=None, max_examples=60)
@given(registers, divisions, years, st.integers(1, MAX_SERIAL), st.integers(0, 300))
def test_a_run_of_serials_is_issued_as_one_at_a_time(register, division, year, first, count):
    count = min(count, MAX_SERIAL - first + 1)
    assert serial_identifiers(register, division, year, first, count) == [
        format_identifier(register, division, year, serial) for serial in range(first, first + count)]


def test_a_run_past_the_last_serial_or_of_a_bad_part_is_refused_whole():
    with pytest.raises(ValueError):
        serial_identifiers("physician", "110105", 2026, MAX_SERIAL - 1, 3)
    with pytest.raises(ValueError):
        serial_identifiers("physician", "11010", 2026, 1, 3)
    assert serial_identifiers("physician", "110105", 2026, MAX_SERIAL - 1, 2)[-1][11:18] == "9999999"
