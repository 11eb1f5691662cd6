"""The national electronic registration identifier 电子化注册识别码: every one issued, the serial counters, and
issuing one to a register entry exactly once (design: one per entry, never twice, under concurrency or a crash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.db import insert_for
from pipeline import clock
from pipeline.identifiers import REGISTER_LETTERS, format_identifier


class IdentifierSerial(Base):
    """The last serial issued per (kind letter, division, year); incremented under a row lock."""

    __tablename__ = "identifier_serials"

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class IssuedIdentifier(Base):
    """Every identifier ever issued, and the register entry that holds it; one per entry."""

    __tablename__ = "issued_identifiers"
    __table_args__ = (UniqueConstraint("entry_type", "entry_id"),)

    value: Mapped[str] = mapped_column(String(19), primary_key=True)
    entry_type: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- issuance (the national issuer) ------------------------------------------------------------------------------


def next_serial(session: Session, letter: str, division_code: str, year: int) -> int:
    """Take the next serial with one upsert: the row lock makes concurrent issuers queue, never collide."""
    statement = (
        insert_for(session, IdentifierSerial)
        .values(kind=letter, division_code=division_code, year=year, last=1)
        .on_conflict_do_update(index_elements=["kind", "division_code", "year"], set_={"last": IdentifierSerial.last + 1})
        .returning(IdentifierSerial.last)
    )
    return int(session.execute(statement).scalar_one())


def lock_entry(session: Session, register: str, entry_id: int) -> None:
    """Queue issuers of one entry behind each other until commit, so a second one finds the first one's identifier
    instead of spending a serial and then failing on the one-identifier-per-entry constraint."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(register), entry_id)))


def identifier_for(session: Session, register: str, entry_id: int, division_code: str) -> str:
    """The entry's identifier: the one it already holds, or a new one recorded against it."""
    lock_entry(session, register, entry_id)
    held = session.scalar(
        select(IssuedIdentifier.value).where(IssuedIdentifier.entry_type == register, IssuedIdentifier.entry_id == entry_id)
    )
    if held:
        return held
    year = clock.today().year
    serial = next_serial(session, REGISTER_LETTERS[register], division_code, year)
    value = format_identifier(register, division_code, year, serial)
    session.add(IssuedIdentifier(value=value, entry_type=register, entry_id=entry_id))
    session.flush()
    return value
