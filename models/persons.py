from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.search import grams_of


class Person(Base):
    """A physician or nurse, known by real name. The ID number is kept encrypted with a keyed hash for look-ups."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    profession: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50), index=True)
    sex: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[date]
    id_type: Mapped[str] = mapped_column(String(30))
    id_number_encrypted: Mapped[str] = mapped_column(String(200))
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mobile: Mapped[str] = mapped_column(String(20), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_persons_name_grams", grams_of(Person.name), postgresql_using="gin").ddl_if(dialect="postgresql")
