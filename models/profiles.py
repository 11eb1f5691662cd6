"""A person's own profile details 个人信息, changed by an info-change application the institution confirms."""
from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

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


def apply_profile(session: Session, person_id: int, data: dict) -> PersonProfile:
    """Write the photo, education, school and title given in `data` to the person's profile."""
    profile = session.get(PersonProfile, person_id)
    if profile is None:
        profile = PersonProfile(person_id=person_id)
        session.add(profile)
    if "photo" in data:
        profile.photo = base64.b64decode(data["photo"]["base64"])
        profile.photo_type = data["photo"]["content_type"]
    for field in ("education", "school", "title"):
        if field in data:
            setattr(profile, field, data[field])
    profile.updated_at = utcnow()
    session.flush()
    return profile
