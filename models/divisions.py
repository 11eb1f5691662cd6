from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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
