"""An institution's own history: its licence business and every change of its information."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class InstitutionEvent(Base):
    """One row of an institution's history: set-up approval, registration, change, phone/fax upkeep, suspension …"""

    __tablename__ = "institution_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(default=dict)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
