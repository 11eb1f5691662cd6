"""The reference databases verification checks against — the physician qualification database 医师资格库 and
the nurse exam database 护士执业资格考试合格库 — and what the counter's qualification business adds to them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.applications import Application
from models.base import Base
from models.registers import applies
from pipeline.kinds import physician_hmt_qualification_recognition, physician_qualification_backfill


class PhysicianQualification(Base):
    """A record of the national physician qualification database 医师资格."""

    __tablename__ = "physician_qualifications"

    certificate_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date | None]


class NurseExamRecord(Base):
    """A record of the national nurse qualification exam database 护士执业资格考试."""

    __tablename__ = "nurse_exam_records"

    certificate_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    passed_year: Mapped[int] = mapped_column(Integer)


@applies(physician_qualification_backfill.KIND, physician_hmt_qualification_recognition.KIND)
def record_qualification(session: Session, application: Application) -> None:
    """A record in the qualification database; no register entry, no identifier."""
    data = application.data
    held = session.get(PhysicianQualification, data["certificate_no"])
    if held is not None and held.id_number_hash != data["id_number_hash"]:
        # The counter refuses a number already held; reaching here means two entries raced past it.
        raise LookupError(f"application {application.id}: certificate {data['certificate_no']} belongs to another person")
    if held is None:
        session.add(PhysicianQualification(
            certificate_no=data["certificate_no"], name=data["name"], id_number_hash=data["id_number_hash"],
            level=data["level"], category=data["category"], issued_on=date.fromisoformat(data["issued_on"]),
        ))
        session.flush()
    return None
