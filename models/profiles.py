"""A person's own profile details 个人信息, changed by an info-change application the institution confirms."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PersonProfile(Base):
    """Photo, education, school and title of a physician or nurse (the nurse's department is on the register)."""

    __tablename__ = "person_profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    education: Mapped[str | None] = mapped_column(String(20))
    school: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
