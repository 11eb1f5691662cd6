"""models.imports.copy_text: staged rows as COPY text, read back by PostgreSQL exactly as they were cleaned —
whether a chunk holds the characters COPY escapes (a backslash, tab, newline or carriage return in an address)
or, as nearly every chunk, none of them."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from models.imports import copy_text

PLAIN = [(1, "张三", None, "北京市东城区"), (2, "李四", "2020-01-01", None)]
SPECIAL = [(3, "王\\五", "a\tb", "c\nd\re"), (4, "\\N", None, "")]


@pytest.mark.parametrize("rows", [PLAIN, SPECIAL, PLAIN + SPECIAL], ids=["plain", "special", "mixed"])
def test_postgresql_reads_back_exactly_the_staged_values(db, rows):
    db.execute(text("DROP TABLE IF EXISTS pg_temp.copied"))
    db.execute(text("CREATE TEMPORARY TABLE copied (rn INTEGER, a TEXT, b TEXT, c TEXT)"))
    cursor = db.connection().connection.driver_connection.cursor()
    with cursor.copy("COPY copied (rn, a, b, c) FROM STDIN") as copy:
        copy.write(copy_text(rows))
    assert [tuple(row) for row in db.execute(text("SELECT rn, a, b, c FROM copied ORDER BY rn"))] == rows


def test_no_rows_is_no_text():
    assert copy_text([]) == ""
