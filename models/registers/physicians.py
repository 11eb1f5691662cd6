"""The physician register 医师注册库: one entry per physician, the institutions they practise at (main and
multi-site filings) and the entry's history; and what each approved physician application changes in it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.accounts import person_works_at
from models.applications import Application
from models.base import Base, utcnow
from models.profiles import apply_profile
from models.registers import applies, decided_by
from models.registers.institutions import Institution
from models.registers.qualifications import PhysicianQualification
from pipeline import clock
from pipeline.kinds import (
    KINDS,
    physician_cancellation,
    physician_change,
    physician_departure_filing,
    physician_first_registration,
    physician_foreign_short_term_practice,
    physician_hmt_short_term_practice,
    physician_info_change,
    physician_multi_site_filing,
    physician_re_registration,
)
from pipeline.persons import INFO_LABELS
from pipeline.registers.physicians import (
    SHORT_TERM_EXPIRED,
    STATUS_REASON_LABELS,
    PhysicianEntryFacts,
    departure_ends_registration,
    is_lapsed,
)

LAPSE_SERVICE = "短期行医期满服务"


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
    # Why and since when the entry is filed or cancelled (a reason code of pipeline.registers.physicians).
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


# --- reading an entry ----------------------------------------------------------------------------------------


def physician_entry(session: Session, person_id: int | None) -> PhysicianRegistration | None:
    if person_id is None:
        return None
    return session.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == person_id))


def current_practices(entry: PhysicianRegistration) -> list[PhysicianPractice]:
    """The practices still running, main first. An entry without practice rows (written before them) practises at
    its main institution while registered."""
    running = [p for p in entry.practices if p.until is None]
    if not entry.practices and entry.status == "registered":
        running = [PhysicianPractice(institution_id=entry.institution_id, main=True, since=entry.registered_on)]
    return sorted(running, key=lambda p: (not p.main, p.id or 0))


def entry_facts(entry: PhysicianRegistration | None) -> PhysicianEntryFacts | None:
    if entry is None:
        return None
    return PhysicianEntryFacts(
        identifier=entry.identifier, status=entry.status, qualification_category=entry.category,
        practice_category=entry.practice_category, practice_scopes=frozenset(entry.practice_scopes or ()),
        main_institution_id=entry.institution_id,
        institution_ids=frozenset(p.institution_id for p in current_practices(entry)),
        status_reason=entry.status_reason or "", status_since=entry.status_since, valid_until=entry.valid_until,
    )


def held_entry(session: Session, application: Application) -> PhysicianRegistration:
    """The entry an application about a registered physician changes: verification found it, so it is there."""
    entry = physician_entry(session, application.person_id)
    if entry is None:
        raise LookupError(f"application {application.id}: the physician has no register entry")
    return entry


def _already_applied(entry: PhysicianRegistration, application: Application) -> bool:
    return any(event.application_id == application.id for event in entry.history)


def _name(session: Session, institution_id: int | None) -> str | None:
    institution = session.get(Institution, institution_id) if institution_id else None
    return institution.name if institution else None


def _materialise_practices(entry: PhysicianRegistration) -> None:
    """Give an entry without practice rows its main practice, so it can be closed or changed like any other."""
    if not entry.practices and entry.status == "registered":
        entry.practices.append(PhysicianPractice(institution_id=entry.institution_id, main=True, since=entry.registered_on))


def _close(practices: list[PhysicianPractice], on: date) -> None:
    for practice in practices:
        if practice.until is None:
            practice.until = on


def _practise_mainly_at(session: Session, entry: PhysicianRegistration, institution_id: int, application: Application,
                        since: date) -> None:
    """Make `institution_id` the main practice: close the old main one, promote a running further practice there."""
    running = [p for p in entry.practices if p.until is None]
    for practice in running:
        if practice.main and practice.institution_id != institution_id:
            practice.until = since
    here = next((p for p in running if p.institution_id == institution_id), None)
    if here is None:
        entry.practices.append(PhysicianPractice(institution_id=institution_id, main=True, since=since,
                                                 application_id=application.id))
    else:
        here.main = True
    entry.institution_id = institution_id
    person_works_at(session, entry.person_id, institution_id)


def _changes(before: dict, after: dict) -> dict:
    return {field: [before.get(field), after[field]] for field in after if before.get(field) != after[field]}


def _snapshot(session: Session, entry: PhysicianRegistration) -> dict:
    return {
        "status": entry.status,
        "institution": _name(session, entry.institution_id),
        "practice_category": entry.practice_category,
        "practice_scopes": list(entry.practice_scopes or []),
        "registering_authority": entry.commission_code,
        "institutions": [_name(session, p.institution_id) for p in current_practices(entry)],
    }


def _label(application: Application) -> str:
    return KINDS[application.kind].label


# --- what each approval changes ----------------------------------------------------------------------------------


@applies(physician_first_registration.KIND)
def register(session: Session, application: Application) -> PhysicianRegistration:
    """Create (or, on a redelivery, find) the physician's register entry, with its main practice."""
    data = application.data
    entry = physician_entry(session, application.person_id)
    if entry is not None and _already_applied(entry, application):
        return entry
    qualification = session.get(PhysicianQualification, data["certificate_no"])
    if qualification is None:
        raise LookupError(f"application {application.id}: no qualification record {data['certificate_no']}")
    if entry is None:
        entry = PhysicianRegistration(person_id=application.person_id, registered_on=clock.today())
        session.add(entry)
    from_status = entry.status if entry.id and entry.history else None
    entry.certificate_no = qualification.certificate_no
    entry.level = qualification.level
    entry.category = qualification.category
    entry.practice_category = data["practice_category"]
    entry.practice_scopes = list(data["practice_scope"])
    entry.institution_id = int(data["institution_id"])
    entry.commission_code = application.commission_code or ""
    entry.status = "registered"
    session.flush()
    _practise_mainly_at(session, entry, entry.institution_id, application, clock.today())
    session.flush()
    entry.record(_label(application), decided_by(application), {
        "institution": [None, _name(session, entry.institution_id)],
        "practice_category": [None, entry.practice_category],
        "practice_scopes": [None, list(entry.practice_scopes)],
    }, application_id=application.id, from_status=from_status)
    return entry


def _take_practice(session: Session, application: Application, reactivate: bool) -> PhysicianRegistration:
    """A change or a re-registration: the new institution, category and scope."""
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    data, today = application.data, clock.today()
    _materialise_practices(entry)
    before, from_status = _snapshot(session, entry), entry.status
    if reactivate:
        _close(entry.practices, today)
        entry.status, entry.status_reason, entry.status_since = "registered", "", today
    _practise_mainly_at(session, entry, int(data["institution_id"]), application, today)
    entry.practice_category = data["practice_category"]
    entry.practice_scopes = list(data["practice_scope"])
    entry.commission_code = application.commission_code or entry.commission_code
    session.flush()
    entry.record(_label(application), decided_by(application), _changes(before, _snapshot(session, entry)),
                 data.get("statement", ""), application.id, from_status=from_status)
    return entry


@applies(physician_change.KIND)
def change(session: Session, application: Application) -> PhysicianRegistration:
    return _take_practice(session, application, reactivate=False)


@applies(physician_re_registration.KIND)
def re_register(session: Session, application: Application) -> PhysicianRegistration:
    return _take_practice(session, application, reactivate=True)


@applies(physician_multi_site_filing.KIND)
def add_practice(session: Session, application: Application) -> PhysicianRegistration:
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    _materialise_practices(entry)
    before = _snapshot(session, entry)
    entry.practices.append(PhysicianPractice(institution_id=int(application.data["institution_id"]), main=False,
                                             since=clock.today(), application_id=application.id))
    session.flush()
    entry.record(_label(application), decided_by(application), _changes(before, _snapshot(session, entry)),
                 application_id=application.id, from_status=entry.status)
    return entry


@applies(physician_info_change.KIND)
def change_info(session: Session, application: Application) -> PhysicianRegistration:
    """The institution's confirmation is final: the profile changes now."""
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    apply_profile(session, entry.person_id, application.data)
    changed = {INFO_LABELS[field]: [None, "已更新" if field == "photo" else application.data[field]]
               for field in application.data if field in INFO_LABELS}
    entry.record(_label(application), decided_by(application), changed, application_id=application.id,
                 from_status=entry.status)
    return entry


def _leave(session: Session, application: Application, status: str, on_key: str) -> PhysicianRegistration:
    """A departure filing or a cancellation: the entry is filed or cancelled (or, for a departure from a further
    institution, that one practice ends)."""
    entry = held_entry(session, application)
    if _already_applied(entry, application):
        return entry
    data = application.data
    on = date.fromisoformat(data[on_key])
    _materialise_practices(entry)
    before, from_status = _snapshot(session, entry), entry.status
    facts = entry_facts(entry)
    if status == "filed" and facts is not None and not departure_ends_registration(facts, application.institution_id):
        _close([p for p in entry.practices if p.institution_id == application.institution_id], on)
    else:
        _close(entry.practices, on)
        entry.status, entry.status_reason, entry.status_since = status, data["reason"], on
    session.flush()
    comment = STATUS_REASON_LABELS.get(data["reason"], data["reason"])
    if data.get("comment"):
        comment += f"：{data['comment']}"
    entry.record(_label(application), decided_by(application), _changes(before, _snapshot(session, entry)),
                 comment, application.id, from_status=from_status)
    return entry


@applies(physician_departure_filing.KIND)
def file_departure(session: Session, application: Application) -> PhysicianRegistration:
    return _leave(session, application, "filed", "left_on")


@applies(physician_cancellation.KIND)
def cancel(session: Session, application: Application) -> PhysicianRegistration:
    return _leave(session, application, "cancelled", "occurred_on")


@applies(physician_hmt_short_term_practice.KIND, physician_foreign_short_term_practice.KIND)
def register_short_term(session: Session, application: Application) -> PhysicianRegistration:
    """A registration at the host institution that ends on `end_date` by itself."""
    data = application.data
    entry = physician_entry(session, application.person_id)
    if entry is not None and _already_applied(entry, application):
        return entry
    start, end = date.fromisoformat(data["start_date"]), date.fromisoformat(data["end_date"])
    if entry is None:
        entry = PhysicianRegistration(person_id=application.person_id, registered_on=start)
        session.add(entry)
    before, from_status = (_snapshot(session, entry), entry.status) if entry.id else ({}, None)
    _close(entry.practices, start)
    entry.certificate_no, entry.level, entry.category = data["licence_no"], "执业医师", data["practice_category"]
    entry.practice_category, entry.practice_scopes = data["practice_category"], list(data["practice_scope"])
    entry.commission_code, entry.registered_on, entry.valid_until = application.commission_code or "", start, end
    entry.status, entry.status_reason, entry.status_since = "registered", "", start
    entry.institution_id = int(data["institution_id"])
    entry.practices.append(PhysicianPractice(institution_id=entry.institution_id, main=True, since=start,
                                             application_id=application.id))
    session.flush()
    entry.record(_label(application), decided_by(application),
                 _changes(before, {**_snapshot(session, entry), "valid_until": end.isoformat()}),
                 f"短期行医期限：{start.isoformat()}至{end.isoformat()}", application.id, from_status=from_status)
    return entry


# --- short-term practice lapses by itself ----------------------------------------------------------------------


def lapse(session: Session, entry: PhysicianRegistration, today: date) -> bool:
    """Cancel a short-term practice registration whose end date has passed; False if it has not."""
    if not is_lapsed(entry.valid_until, entry.status, today) or entry.valid_until is None:
        return False
    before = _snapshot(session, entry)
    _materialise_practices(entry)
    _close(entry.practices, entry.valid_until)
    entry.status, entry.status_reason, entry.status_since = "cancelled", SHORT_TERM_EXPIRED, today
    session.flush()
    entry.record("短期行医期满", LAPSE_SERVICE, _changes(before, _snapshot(session, entry)),
                 f"短期行医期限至{entry.valid_until.isoformat()}，已期满，注册自动注销", from_status="registered")
    return True
