"""The name index at the database: `medreg_grams(name)` (every character and pair of adjacent characters, as
pipeline.search.grams) and a GIN index on it, on PostgreSQL; on SQLite (the embedded demo) a name search is a
plain LIKE over the rows.

`contains(session, column, query)` is the condition "the column contains the query": on PostgreSQL the gram
index finds the candidate rows and LIKE checks them; elsewhere LIKE alone."""
from __future__ import annotations

from sqlalchemy import Text, and_, cast, func, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pipeline.search import query_grams

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


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def grams_of(column) -> ColumnElement:
    return func.medreg_grams(column)


def contains(session: Session, column, query: str) -> ColumnElement[bool]:
    like = column.contains(query, autoescape=True)
    if not is_postgresql(session) or not query:
        return like
    return and_(grams_of(column).op("@>")(cast(literal(query_grams(query), ARRAY(Text)), ARRAY(Text))), like)
