from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


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
