"""Ranked name search (pipeline/search.py): grams, ranks and cursors."""
from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import search

pytestmark = pytest.mark.unit


def test_grams_are_characters_and_adjacent_pairs():
    assert search.grams("张伟明") == ["伟", "伟明", "张", "张伟", "明"]
    assert search.grams("") == []
    assert search.query_grams("伟") == ["伟"]
    assert search.query_grams("张伟明") == ["伟明", "张伟"]


@given(st.text(alphabet="张王伟明芳a%_", min_size=1, max_size=6), st.text(alphabet="张王伟明芳a%_", max_size=8))
def test_a_name_containing_the_query_has_every_gram_the_query_needs(query, padding):
    name = padding[: len(padding) // 2] + query + padding[len(padding) // 2:]
    assert set(search.query_grams(query)) <= set(search.grams(name))


def test_ranks():
    assert search.tier_of("天明", "天明") == search.EXACT
    assert search.tier_of("天明远", "天明") == search.PREFIX
    assert search.tier_of("李天明", "天明") == search.INSIDE
    assert search.tier_of("明天", "天明") is None
    names = ["李天明", "天明远", "天明", "天明志"]
    assert sorted(names, key=lambda n: search.sort_key(n, "X", "天明")) == ["天明", "天明志", "天明远", "李天明"]


@given(st.integers(0, 2), st.text(max_size=10).filter(lambda s: "\x00" not in s), st.text(max_size=19).filter(lambda s: "\x00" not in s))
def test_cursor_round_trips(tier, name, identifier):
    cursor = search.encode_cursor(tier, name, identifier)
    assert cursor.isascii() and "=" not in cursor
    assert search.decode_cursor(cursor) == (tier, name, identifier)


@pytest.mark.parametrize("bad", ["", "x", "!!!", search.encode_cursor(1, "a", "b")[:-3], "WzMsImEiLCJiIl0",
                                 search.encode_cursor(2, "王\x00", "X"), search.encode_cursor(2, "王", "\x00"),
                                 base64.urlsafe_b64encode(b'[2,"\\ud800","X"]').decode(), search.encode_cursor(2, "王" * 201, "X")])
def test_bad_cursors_are_refused(bad):
    with pytest.raises(search.BadCursor):
        search.decode_cursor(bad)


# --- durations as histograms (pipeline/statistics.py), beside the exact percentile ---------------------------------


@given(st.lists(st.floats(min_value=0, max_value=3e7, allow_nan=False), min_size=1, max_size=300), st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
def test_a_percentile_from_buckets_is_within_half_a_percent_of_the_exact_one(durations, fraction):
    from collections import Counter

    from pipeline import statistics

    exact = statistics.percentile(durations, fraction)
    counts = list(Counter(statistics.bucket_of(d) for d in durations).items())
    approximate = statistics.histogram_percentile(counts, fraction)
    assert exact is not None and approximate is not None
    assert abs(approximate - exact) <= 0.006 * exact + 1.0  # 0.5 % of the bucket, and durations under a second count as 0
