"""Staff registrations the commission must follow up, e.g. after their institution was cancelled."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class StaffFollowUp(Base):
    __tablename__ = "staff_follow_ups"
    __table_args__ = (UniqueConstraint("entry_type", "entry_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    commission_code: Mapped[str] = mapped_column(String(6), index=True)
    entry_type: Mapped[str] = mapped_column(String(20))  # physician | nurse
    entry_id: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str | None] = mapped_column(String(19))
    name: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
