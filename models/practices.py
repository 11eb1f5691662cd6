"""Where a registered physician practises (主要执业机构 and 多机构备案), and the history of the register entry."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PhysicianPractice(Base):
    """One institution a physician practises at: the main one, or one added by a multi-site filing.

    A practice is current while `until` is empty; a change of institution or a departure filing closes it.
    """

    __tablename__ = "physician_practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("physician_registrations.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    main: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[date]
    until: Mapped[date | None]
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))


class PhysicianRegistrationEvent(Base):
    """One change of a physician register entry: what changed (field → [before, after]), by which application, when."""

    __tablename__ = "physician_registration_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("physician_registrations.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
