"""portal.services.paging: the cursors and page sizes every long list takes from a request — what a page hands out
comes back as the same key, and anything else is a 400 naming `cursor` or `limit`, never a query that fails."""
from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import ValidationFailed
from portal.services.paging import BAD_CURSOR, Count, id_cursor, key_cursor, key_of, page_limit


def refused_field(call) -> str:
    with pytest.raises(ValidationFailed) as caught:  # the 400 naming the field
        call()
    [(field, message)] = caught.value.fields.items()
    return field + ":" + message


@given(name=st.text(min_size=1, max_size=50).filter(lambda s: "\x00" not in s), number=st.integers(0, 2**31 - 1))
def test_a_key_cursor_gives_back_its_key(name, number):
    assert key_of(key_cursor(name, number), str, int) == (name, number)


def encoded(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", [
    "x", "%%%", encoded(["张三"]), encoded(["张三", "1"]), encoded([1, "张三"]), encoded(["张三", 2**31]),
    encoded(["张三", -1]), encoded(["张\x00三", 1]), encoded(["张" * 201, 1]), encoded(["张三", True]), encoded({"a": 1}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_anything_but_a_handed_out_key_is_refused_by_name(raw):
    assert refused_field(lambda: key_of(raw, str, int)) == f"cursor:{BAD_CURSOR}"


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), (" 42 ", 42), ("2147483647", 2**31 - 1)])
def test_an_id_cursor(raw, expected):
    assert id_cursor(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "1.5", "abc", "2147483648", "１２"])
def test_a_bad_id_cursor_is_refused(raw):
    assert refused_field(lambda: id_cursor(raw)).startswith("cursor:")


@pytest.mark.parametrize(("raw", "expected"), [(None, 7), ("", 7), ("1", 1), ("30", 30)])
def test_a_page_size_within_its_bounds(raw, expected):
    assert page_limit(raw, 7, 30) == expected


@pytest.mark.parametrize("raw", ["0", "31", "-1", "x", "1e3"])
def test_a_page_size_outside_its_bounds_is_refused_naming_them(raw):
    assert refused_field(lambda: page_limit(raw, 7, 30)) == "limit:必须是 1 到 30 之间的整数"


def test_a_capped_count_has_no_page_total():
    assert Count(10, False).pages(4) == 3 and Count(0, False).pages(4) == 1 and Count(10, True).pages(4) is None
