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
    """CREATE FUNCTION `signature` returning the grams of `value` as pipeline.search.grams makes them (char_length
    and substr count characters, not bytes), sorted and distinct, with the rows of the SQL `more` among them."""
    return f"""
CREATE OR REPLACE FUNCTION {signature} RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram ORDER BY gram), '{{}}')
  FROM (SELECT substr({value}, i, 1) FROM generate_series(1, char_length({value})) AS i
        UNION ALL
        SELECT substr({value}, i, 2) FROM generate_series(1, char_length({value}) - 1) AS i{more}) AS grams(gram)
$$
"""


GRAMS_FUNCTION = _grams_function("medreg_grams(value text)", "value")

# A public record's grams: its name's, and its division's prefixes (pipeline.search.DIVISION_PREFIX_LENGTHS). Written
# out, not as medreg_grams(name) || …: a SQL function calling another is not inlined, and that call tripled the cost
# of every public record written (19 µs against 7).
RECORD_GRAMS_FUNCTION = _grams_function(
    "medreg_record_grams(name text, division text)", "name",
    "\n        UNION ALL\n        SELECT '@' || left(division, n) FROM unnest(ARRAY["
    + ", ".join(str(n) for n in DIVISION_PREFIX_LENGTHS) + "]) AS n")


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
