"""Search by name at national scale: how a name query is ranked, paged and matched through the gram index.

Ranking: a name equal to the query first (tier 0), then names that start with it (tier 1), then names that
contain it elsewhere (tier 2); within a tier by name (code point order) and then identifier. The cursor of a
page is the last item's (tier, name, identifier), so the next page starts strictly after it: paging is stable
while records are added, and every page is one index range scan (tiers 0 and 1) however deep it is.

Matching inside a name uses an index of the name's *grams* — every character and every pair of adjacent
characters (`medreg_grams(name)` in PostgreSQL, a GIN index). People's names are two or three characters; a
trigram index (pg_trgm) extracts no trigram from a two-character query and falls back to reading every row,
while the pairs find any query of two or more characters among millions of names, and single characters too.
"""
from __future__ import annotations

import base64
import json

from pipeline.routing import jurisdiction_prefix

EXACT, PREFIX, INSIDE = 0, 1, 2
# The longest search string a list takes (a name, a code, part of one): longer is refused, not cut.
MAX_SEARCH = 100
TIERS = (EXACT, PREFIX, INSIDE)


# A public record's index also holds its division's province, prefecture and county (GB/T 2260: the first 2, 4
# and 6 digits) as "@" and the digits: a name search within a division asks the index for them too, so the rows of
# a common name elsewhere in the country are never read. A name gram has at most two characters, so none of them
# is ever one of these.
DIVISION_PREFIX_LENGTHS = (2, 4, 6)


def division_grams(prefix: str) -> list[str]:
    """What a record's index must hold for its division to start with `prefix` (none for a prefix of another
    length: the division is then checked on the rows alone)."""
    return [f"@{prefix}"] if len(prefix) in DIVISION_PREFIX_LENGTHS else []


def division_prefix(code: str) -> str:
    """The prefix a division code stands for: a six-digit code its jurisdiction (pipeline.routing: a province
    XX0000 its 2 digits, a prefecture XXXX00 4, a county 6, the country 000000 nothing); a shorter code itself."""
    return jurisdiction_prefix(code) if len(code) == 6 else code


def grams(value: str) -> list[str]:
    """Every character and every pair of adjacent characters, sorted, without repeats (the index's side)."""
    found = set(value) | {value[i:i + 2] for i in range(len(value) - 1)}
    return sorted(found)


def query_grams(query: str) -> list[str]:
    """What a name containing `query` must have among its grams: its pairs, or the one character."""
    if len(query) < 2:
        return [query] if query else []
    return sorted({query[i:i + 2] for i in range(len(query) - 1)})


def tier_of(name: str, query: str) -> int | None:
    """The rank of `name` for `query`, or None if it does not match."""
    if name == query:
        return EXACT
    if name.startswith(query):
        return PREFIX
    if query in name:
        return INSIDE
    return None


def sort_key(name: str, identifier: str, query: str) -> tuple[int, str, str]:
    tier = tier_of(name, query)
    if tier is None:
        raise ValueError(f"{name!r} does not contain {query!r}")
    return tier, name, identifier


class BadCursor(ValueError):
    pass


def encode_cursor(tier: int, name: str, identifier: str) -> str:
    """An opaque, URL-safe cursor for a ranked search."""
    raw = json.dumps([tier, name, identifier], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tier, name, identifier = json.loads(raw)
    except (ValueError, TypeError) as error:
        raise BadCursor(cursor) from error
    if tier not in TIERS or not isinstance(name, str) or not isinstance(identifier, str) \
            or not all(map(comparable, (name, identifier))):
        raise BadCursor(cursor)
    return tier, name, identifier


def comparable(text: str) -> bool:
    """Text the database can compare with a stored name (a cursor's part, say): no NUL (a query with one failed), no
    lone surrogate, no longer than a name or identifier is stored."""
    if len(text) > 200 or "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
