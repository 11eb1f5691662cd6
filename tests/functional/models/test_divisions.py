"""models.divisions.within: a jurisdiction as a condition on a division code — exactly the codes under the prefix,
and one PostgreSQL reads from a B-tree index whatever the database's collation (LIKE alone needs "C"), which is
what keeps a county's queue fast among the country's five million applications."""
from __future__ import annotations

import pytest
from sqlalchemy import column, func, select, table, text, values
from sqlalchemy.types import String

from models.divisions import within

CODES = ["110105", "110106", "110000", "650110", "650111", "651100", "659999", "660000", "000000"]


@pytest.mark.parametrize(("prefix", "inside"), [
    ("", set(CODES)),
    ("11", {"110105", "110106", "110000"}),
    ("650110", {"650110"}),  # a county ending in 0: not its neighbours 65011x
    ("65", {"650110", "650111", "651100", "659999"}),
    ("6599", {"659999"}),  # the last prefix of its length: no upper bound needed
    ("9", set()),
])
def test_within_takes_exactly_the_codes_under_the_prefix(db, prefix, inside):
    codes = values(column("code", String), name="codes").data([(code,) for code in CODES])
    found = set(db.scalars(select(codes.c.code).where(*within(codes.c.code, prefix))))
    assert found == inside


def test_a_jurisdiction_is_read_from_a_b_tree_index_as_a_range(db):
    """LIKE 'prefix%' alone cannot use the index unless the database's collation is "C" (it is not, here); the
    range within() adds can."""
    db.execute(text("CREATE TEMPORARY TABLE coded (code VARCHAR(6), status VARCHAR(30))"))
    db.execute(text("INSERT INTO coded SELECT lpad((n % 3000 * 211 + 110000)::text, 6, '0'), 'pending_approval' "
                    "FROM generate_series(1, 30000) n"))
    db.execute(text("CREATE INDEX ON coded (code, status)"))
    db.execute(text("ANALYZE coded"))
    coded = table("coded", column("code", String), column("status", String))
    count = select(func.count()).select_from(coded).where(*within(coded.c.code, "110105"), coded.c.status == "pending_approval")
    compiled = count.compile(dialect=db.get_bind().dialect)
    plan = "\n".join(row[0] for row in db.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
    db.rollback()
    assert any("Index Cond" in line and "code" in line and ">=" in line for line in plan.splitlines()), plan
    assert "Seq Scan" not in plan, plan
