"""Periodic assessment results of physicians 医师定期考核, imported from the assessing bodies."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class AssessmentResult(Base):
    """One assessment period's result for one physician, keyed by the qualification certificate number."""

    __tablename__ = "assessment_results"
    __table_args__ = (UniqueConstraint("certificate_no", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_no: Mapped[str] = mapped_column(String(30), index=True)
    period: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(20))
    assessed_on: Mapped[date]
    assessor: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
