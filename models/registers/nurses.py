"""The nurse register 护士注册库: one entry per nurse, valid five years at a time, with its history; and what
each approved nurse application changes in it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.accounts import person_works_at
from models.applications import Application
from models.base import Base, utcnow
from models.persons import Person
from models.profiles import apply_profile
from models.registers import applies, decided_by
from models.registers.institutions import Institution
from models.registers.qualifications import NurseExamRecord
from pipeline import clock
from pipeline.kinds import (
    KINDS,
    nurse_cancellation,
    nurse_change,
    nurse_first_registration,
    nurse_info_change,
    nurse_pre2008_first_registration,
    nurse_re_registration,
    nurse_renewal,
)
from pipeline.persons import INFO_LABELS
from pipeline.registers.nurses import NurseEntryFacts, first_valid_until, renewed_until

APPROVAL = "审批通过"


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


# --- reading an entry ----------------------------------------------------------------------------------------


def nurse_entry(session: Session, person_id: int | None) -> NurseRegistration | None:
    if person_id is None:
        return None
    return session.scalar(select(NurseRegistration).where(NurseRegistration.person_id == person_id))


def entry_facts(entry: NurseRegistration | None) -> NurseEntryFacts | None:
    if entry is None:
        return None
    return NurseEntryFacts(entry.identifier, entry.status, entry.institution_id, entry.valid_until)


def held_entry(session: Session, application: Application) -> NurseRegistration:
    """The entry an application about a registered nurse changes: verification found it, so it is there."""
    entry = nurse_entry(session, application.person_id)
    if entry is None:
        raise LookupError(f"application {application.id}: the nurse has no register entry")
    return entry


def _person(session: Session, person_id: int | None) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    return person


def _institution_name(session: Session, institution_id: int) -> str:
    institution = session.get(Institution, institution_id)
    return institution.name if institution else ""


def _already_applied(entry: NurseRegistration, application: Application) -> bool:
    return any(event.application_id == application.id for event in entry.history)


def _practise_at(session: Session, entry: NurseRegistration, application: Application) -> None:
    entry.institution_id = int(application.data["institution_id"])
    entry.department = application.data["department"]
    entry.commission_code = application.commission_code or entry.commission_code
    person_works_at(session, entry.person_id, entry.institution_id)


def _start_validity(entry: NurseRegistration, today: date) -> None:
    entry.valid_until = first_valid_until(today)
    entry.expiry_notices = []


# --- what each approval changes ----------------------------------------------------------------------------------


@applies(nurse_first_registration.KIND)
def register(session: Session, application: Application) -> NurseRegistration:
    entry = nurse_entry(session, application.person_id)
    if entry is not None and _already_applied(entry, application):
        return entry
    exam = session.get(NurseExamRecord, application.data["certificate_no"])
    if exam is None:
        raise LookupError(f"application {application.id}: no exam record {application.data['certificate_no']}")
    today = clock.today()
    if entry is None:
        entry = NurseRegistration(person_id=application.person_id, registered_on=today)
        session.add(entry)
    entry.certificate_no, entry.passed_year = exam.certificate_no, exam.passed_year
    _practise_at(session, entry, application)
    _start_validity(entry, today)
    entry.status = "registered"
    entry.record(KINDS[application.kind].label, decided_by(application), application_id=application.id)
    session.flush()
    return entry


@applies(nurse_pre2008_first_registration.KIND)
def register_at_counter(session: Session, application: Application) -> NurseRegistration:
    """The exam record is backfilled from what the clerk entered, then as a first registration."""
    data = application.data
    if session.get(NurseExamRecord, data["certificate_no"]) is None:
        person = _person(session, application.person_id)
        session.add(NurseExamRecord(certificate_no=data["certificate_no"], name=person.name,
                                    id_number_hash=person.id_number_hash, passed_year=int(data["passed_year"])))
        session.flush()
    return register(session, application)


@applies(nurse_change.KIND)
def change(session: Session, application: Application) -> NurseRegistration:
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    was = _institution_name(session, entry.institution_id)
    _practise_at(session, entry, application)
    now = _institution_name(session, entry.institution_id)
    entry.record(KINDS[application.kind].label, decided_by(application),
                 f"执业机构由“{was}”变更为“{now}”，科室：{entry.department}", application.id)
    return entry


@applies(nurse_re_registration.KIND)
def re_register(session: Session, application: Application) -> NurseRegistration:
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    before = entry.status
    _practise_at(session, entry, application)
    _start_validity(entry, clock.today())
    entry.status = "registered"
    entry.record(KINDS[application.kind].label, decided_by(application), application_id=application.id, from_status=before)
    return entry


@applies(nurse_renewal.KIND)
def renew(session: Session, application: Application) -> NurseRegistration:
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    before = entry.status
    entry.valid_until = renewed_until(entry.valid_until)
    entry.expiry_notices = []
    entry.status = "registered"  # applied for in time, so a lapse while it waited for approval does not count
    entry.record(KINDS[application.kind].label, decided_by(application), f"有效期延续至{entry.valid_until.isoformat()}",
                 application.id, from_status=before)
    return entry


@applies(nurse_cancellation.KIND)
def cancel(session: Session, application: Application) -> NurseRegistration:
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    before, entry.status = entry.status, "cancelled"
    entry.record(KINDS[application.kind].label, decided_by(application), application.data.get("reason", ""),
                 application.id, from_status=before)
    return entry


@applies(nurse_info_change.KIND)
def change_info(session: Session, application: Application) -> NurseRegistration:
    """The institution's confirmation is final: the profile (and the department on the register) change now."""
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    apply_profile(session, entry.person_id, application.data)
    if "department" in application.data:
        entry.department = application.data["department"]
    changed = "、".join(INFO_LABELS[field] for field in application.data if field in INFO_LABELS)
    entry.record(KINDS[application.kind].label, "机构确认", f"变更：{changed}", application.id)
    return entry


# --- expiry ------------------------------------------------------------------------------------------------------


def expire(entry: NurseRegistration, actor: str) -> None:
    """A registration whose five years ran out without a renewal."""
    entry.status = "expired"
    entry.record("有效期届满", actor, f"注册有效期至{entry.valid_until.isoformat()}，已过期", from_status="registered")
