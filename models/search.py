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

from pipeline.search import division_grams, query_grams

# The same grams as pipeline.search.grams, in SQL (char_length and substr count characters, not bytes).
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION medreg_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram ORDER BY gram), '{}')
  FROM (SELECT substr(value, i, 1) FROM generate_series(1, char_length(value)) AS i
        UNION ALL
        SELECT substr(value, i, 2) FROM generate_series(1, char_length(value) - 1) AS i) AS grams(gram)
$$
"""


# A public record's grams: its name's, and its division's prefixes (pipeline.search.DIVISION_PREFIX_LENGTHS). Written
# out, not as medreg_grams(name) || …: a SQL function calling another is not inlined, and that call tripled the cost
# of every public record written (19 µs against 7).
RECORD_GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION medreg_record_grams(name text, division text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram ORDER BY gram), '{}')
  FROM (SELECT substr(name, i, 1) FROM generate_series(1, char_length(name)) AS i
        UNION ALL
        SELECT substr(name, i, 2) FROM generate_series(1, char_length(name) - 1) AS i
        UNION ALL
        SELECT '@' || left(division, n) FROM unnest(ARRAY[2, 4, 6]) AS n) AS grams(gram)
$$
"""


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def grams_of(column) -> ColumnElement:
    return func.medreg_grams(column)


def division_range(column, prefix: str) -> list[ColumnElement[bool]]:
    """`column` starts with the digits `prefix`, as a range as well as LIKE: the range can be checked on an index
    entry that holds the division (its next prefix is an upper bound for digit codes in any collation), LIKE
    cannot unless the column's collation is "C"."""
    conditions: list[ColumnElement[bool]] = [column.startswith(prefix, autoescape=True)]
    if prefix.isdigit():
        conditions.append(column >= prefix)
        following = int(prefix) + 1
        if following < 10 ** len(prefix):
            conditions.append(column < str(following).zfill(len(prefix)))
    return conditions


def record_grams_of(name, division) -> ColumnElement:
    return func.medreg_record_grams(name, division)


def record_contains(session: Session, name, division, query: str, prefix: str = "") -> ColumnElement[bool]:
    """A public record's name contains `query` (and, on PostgreSQL, the index is asked for the division `prefix`
    too; the caller still filters on the division)."""
    like = name.contains(query, autoescape=True)
    if not is_postgresql(session) or not query:
        return like
    wanted = query_grams(query) + division_grams(prefix)
    return and_(record_grams_of(name, division).op("@>")(cast(literal(wanted), ARRAY(Text))), like)


def contains(session: Session, column, query: str) -> ColumnElement[bool]:
    like = column.contains(query, autoescape=True)
    if not is_postgresql(session) or not query:
        return like
    return and_(grams_of(column).op("@>")(cast(literal(query_grams(query), ARRAY(Text)), ARRAY(Text))), like)
