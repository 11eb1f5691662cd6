from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base


class Division(Base):
    """An administrative division of GB/T 2260 (six digits)."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(String(6), index=True)


class Commission(Base):
    """A health commission, identified by the division it governs."""

    __tablename__ = "commissions"

    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


def within(column: Any, prefix: str) -> list[ColumnElement[bool]]:
    """`column`, a division code, lies in the jurisdiction `prefix` (pipeline.routing.jurisdiction_prefix; "" is the
    whole country). Besides LIKE 'prefix%', a digit prefix is also asked for as the range [prefix, next prefix) — an
    upper bound for digit codes in any collation — which PostgreSQL reads from a B-tree index; LIKE alone it can only
    when the database's collation is "C". With the country's five million applications, a county's queue is then an
    index range instead of every application in that status (bench/README.md, the pipeline on a full database)."""
    conditions: list[ColumnElement[bool]] = [column.startswith(prefix, autoescape=True)]
    if prefix.isdigit():
        conditions.append(column >= prefix)
        following = int(prefix) + 1
        if following < 10 ** len(prefix):
            conditions.append(column < str(following).zfill(len(prefix)))
    return conditions


NATIONAL_CODE, NATIONAL_NAME = "000000", "全国"
NATIONAL_COMMISSION = "国家卫生健康委员会"


def national_commission(session: Session) -> Commission:
    """The national commission (division 000000, above every province): made on first use, since GB/T 2260 lists
    provinces, not the country."""
    commission = session.get(Commission, NATIONAL_CODE)
    if commission is None:
        if session.get(Division, NATIONAL_CODE) is None:
            session.add(Division(code=NATIONAL_CODE, name=NATIONAL_NAME, parent_code=None))
            session.flush()
        commission = Commission(division_code=NATIONAL_CODE, name=NATIONAL_COMMISSION)
        session.add(commission)
        session.flush()
    return commission
