"""The name index at the database: `medreg_grams(name)` (every character and pair of adjacent characters, as
pipeline.search.grams) and a GIN index on it, on PostgreSQL; on SQLite (the embedded demo) a name search is a
plain LIKE over the rows.

`contains(session, column, query)` is the condition "the column contains the query": on PostgreSQL the gram
index finds the candidate rows and LIKE checks them; elsewhere LIKE alone. Public records are indexed by
`medreg_record_grams(name, division)`, their name's grams and their division's prefixes (`record_contains`), so a
name searched within a province reads only that province's candidates."""
from __future__ import annotations

from sqlalchemy import Text, and_, cast, func, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pipeline.search import DIVISION_PREFIX_LENGTHS, division_grams, query_grams


def _grams_function(signature: str, value: str, more: str = "") -> str:
    """CREATE FUNCTION `signature` returning the grams of `value` as pipeline.search.grams makes them: every
    character (string_to_array with a NULL separator splits characters, not bytes) and every pair of adjacent
    characters, then the elements of the SQL array `more`. In no particular order and possibly repeated: a GIN
    index keeps each key once and `@>` ignores repeats, so the index and every query are as with a sorted set.

    PL/pgSQL, not SQL: the SQL function (array_agg DISTINCT over generate_series) cannot be inlined and started an
    executor for every call, eight times the cost, on every person and public record written and every name
    searched (migration 0007)."""
    extra = f" || {more}" if more else ""
    return f"""
CREATE OR REPLACE FUNCTION {signature} RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  grams text[] := string_to_array({value}, NULL){extra};
BEGIN
  FOR i IN 1 .. char_length({value}) - 1 LOOP
    grams := grams || substr({value}, i, 2);
  END LOOP;
  RETURN grams;
END
$$
"""


GRAMS_FUNCTION = _grams_function("medreg_grams(value text)", "value")

# A public record's grams: its name's, and its division's prefixes (pipeline.search.DIVISION_PREFIX_LENGTHS). Written
# out, not as medreg_grams(name) || …: a function calling another is one more call per record written.
RECORD_GRAMS_FUNCTION = _grams_function(
    "medreg_record_grams(name text, division text)", "name",
    "ARRAY[" + ", ".join(f"'@' || left(division, {n})" for n in DIVISION_PREFIX_LENGTHS) + "]")


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def grams_of(column) -> ColumnElement:
    return func.medreg_grams(column)


def record_grams_of(name, division) -> ColumnElement:
    return func.medreg_record_grams(name, division)


def record_contains(session: Session, name, division, query: str, prefix: str = "") -> ColumnElement[bool]:
    """A public record's name contains `query` (and, on PostgreSQL, the index is asked for the division `prefix`
    too; the caller still filters on the division)."""
    return _containing(session, name, record_grams_of(name, division), query, division_grams(prefix))


def contains(session: Session, column, query: str) -> ColumnElement[bool]:
    return _containing(session, column, grams_of(column), query)


def _containing(session: Session, column, indexed: ColumnElement, query: str, more: list[str] | None = None,
                ) -> ColumnElement[bool]:
    """`column` contains `query`: on PostgreSQL the gram index (`indexed`) must hold the query's grams and `more`,
    and LIKE confirms; elsewhere LIKE alone."""
    like = column.contains(query, autoescape=True)
    if not is_postgresql(session) or not query:
        return like
    wanted = query_grams(query) + (more or [])
    return and_(indexed.op("@>")(cast(literal(wanted, ARRAY(Text)), ARRAY(Text))), like)
