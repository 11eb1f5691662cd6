from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.practices import PhysicianPractice, PhysicianRegistrationEvent


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
    status: Mapped[str] = mapped_column(String(20), default="registered")  # registered | filed | cancelled
    # Why and since when the entry is filed or cancelled (a reason code of pipeline.schemas), for re-registration.
    status_reason: Mapped[str] = mapped_column(String(30), default="")
    status_since: Mapped[date | None]
    # The end of a short-term practice (港澳台/外国医师短期行医); the entry lapses by itself after it.
    valid_until: Mapped[date | None] = mapped_column(index=True)
    identifier: Mapped[str | None] = mapped_column(String(19), unique=True)
    registered_on: Mapped[date]
    public_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    practices: Mapped[list[PhysicianPractice]] = relationship(
        order_by="PhysicianPractice.id", cascade="all, delete-orphan", foreign_keys="PhysicianPractice.registration_id"
    )
    history: Mapped[list[PhysicianRegistrationEvent]] = relationship(
        order_by="PhysicianRegistrationEvent.id", cascade="all, delete-orphan",
        foreign_keys="PhysicianRegistrationEvent.registration_id",
    )

    def record(self, event: str, actor: str, changes: dict | None = None, comment: str = "",
               application_id: int | None = None, from_status: str | None = None) -> None:
        """Append a history row: what changed in the entry, who did it, and the status it now has."""
        self.updated_at = utcnow()
        self.history.append(PhysicianRegistrationEvent(
            at=self.updated_at, event=event, actor=actor, from_status=from_status, to_status=self.status,
            changes=dict(changes or {}), comment=comment, application_id=application_id,
        ))
