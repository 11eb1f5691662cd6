"""The nurse register 护士注册: exam records (reference data) and each nurse's register entry with its history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class NurseExamRecord(Base):
    """A record of the national nurse qualification exam database 护士执业资格考试."""

    __tablename__ = "nurse_exam_records"

    certificate_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    passed_year: Mapped[int] = mapped_column(Integer)


class NurseRegistration(Base):
    """A nurse's entry in the nurse register (one per person), valid for five years at a time."""

    __tablename__ = "nurse_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    certificate_no: Mapped[str] = mapped_column(String(30))
    passed_year: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department: Mapped[str] = mapped_column(String(50), default="")
    commission_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20), default="registered")  # registered | expired | cancelled
    identifier: Mapped[str | None] = mapped_column(String(19), unique=True)
    registered_on: Mapped[date]
    valid_until: Mapped[date] = mapped_column(index=True)
    # Days-before-expiry thresholds already notified for the current validity period (each is sent once).
    expiry_notices: Mapped[list] = mapped_column(default=list)
    public_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    history: Mapped[list[NurseRegistrationEvent]] = relationship(
        order_by="NurseRegistrationEvent.id", cascade="all, delete-orphan", back_populates="registration"
    )

    def record(self, event: str, actor: str, comment: str = "", application_id: int | None = None,
               from_status: str | None = None) -> None:
        """Append a history row: what happened to the entry, who did it, and the status it now has."""
        self.updated_at = utcnow()
        self.history.append(NurseRegistrationEvent(
            at=self.updated_at, event=event, actor=actor, from_status=from_status, to_status=self.status,
            valid_until=self.valid_until, comment=comment, application_id=application_id,
        ))


class NurseRegistrationEvent(Base):
    """One row of a nurse register entry's history: registered, changed, renewed, expired, cancelled …"""

    __tablename__ = "nurse_registration_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("nurse_registrations.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    valid_until: Mapped[date | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))

    registration: Mapped[NurseRegistration] = relationship(back_populates="history")
