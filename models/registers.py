from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PhysicianRegistration(Base):
    """A physician's entry in the physician register (one per person)."""

    __tablename__ = "physician_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    certificate_no: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    practice_category: Mapped[str] = mapped_column(String(20))
    practice_scopes: Mapped[list] = mapped_column(default=list)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    commission_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20), default="registered")
    identifier: Mapped[str | None] = mapped_column(String(19), unique=True)
    registered_on: Mapped[date]
    public_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
