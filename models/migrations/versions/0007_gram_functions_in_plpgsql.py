"""name search: the gram functions in PL/pgSQL, eight times faster to call, with the same grams (each person and
public record written calls one, and so does each name searched)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00.000000

No index is rebuilt. The new functions return the same grams, only in another order and possibly repeated, and a
GIN index and its `@>` queries see a set of keys: every index built with the old functions stays valid (checked on
a scale-0.1 country, 1,067,000 names: the same set for every row). PostgreSQL only (SQLite has no gram index).
"""
from alembic import op

from models.search import GRAMS_FUNCTION, RECORD_GRAMS_FUNCTION


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The SQL functions of 0004 and 0006, as they were, for a downgrade.
_SQL_GRAMS = """
CREATE OR REPLACE FUNCTION {signature} RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram ORDER BY gram), '{{}}')
  FROM (SELECT substr({value}, i, 1) FROM generate_series(1, char_length({value})) AS i
        UNION ALL
        SELECT substr({value}, i, 2) FROM generate_series(1, char_length({value}) - 1) AS i{more}) AS grams(gram)
$$
"""
OLD_GRAMS = _SQL_GRAMS.format(signature="medreg_grams(value text)", value="value", more="")
OLD_RECORD_GRAMS = _SQL_GRAMS.format(
    signature="medreg_record_grams(name text, division text)", value="name",
    more="\n        UNION ALL\n        SELECT '@' || left(division, n) FROM unnest(ARRAY[2, 4, 6]) AS n")


def postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    if postgresql():
        op.execute(GRAMS_FUNCTION)
        op.execute(RECORD_GRAMS_FUNCTION)


def downgrade() -> None:
    if postgresql():
        op.execute(OLD_GRAMS)
        op.execute(OLD_RECORD_GRAMS)
