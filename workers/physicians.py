"""The physician business after the first registration, in the workers: the facts verification decides on, what
an approval changes in the physician register (practices and a history row per change), and the lapse of
short-term practice registrations."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, Institution, Person, PhysicianPractice, PhysicianQualification, PhysicianRegistration
from models.db import session_scope
from models.settings import Settings
from pipeline import physician_rules
from pipeline.kinds import get_kind
from pipeline.physician_rules import PhysicianEntryFacts
from pipeline.physician_schemas import SHORT_TERM_EXPIRED, STATUS_REASON_LABELS
from publisher.records import physician_record
from workers import facts
from workers.app import app, settings_of
from workers.nurses import INFO_LABELS, apply_profile
from workers.publication import publish_version

LAPSE_SERVICE = "短期行医期满服务"

# --- facts ---------------------------------------------------------------------------------------


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


def reasons_for_physician(session: Session, application: Application) -> list[str]:
    """Every reason to refuse a physician application after the first registration."""
    kind, data = application.kind, application.data
    entry = entry_facts(physician_entry(session, application.person_id))
    duplicate = facts.has_open_duplicate(session, application)
    if kind in ("physician.departure_filing", "physician.cancellation"):
        verify = (physician_rules.verify_physician_departure_filing if kind == "physician.departure_filing"
                  else physician_rules.verify_physician_cancellation)
        return verify(entry, application.institution_id, duplicate)
    person = facts.person_facts(session.get(Person, application.person_id))
    if kind == "physician.info_change":
        return physician_rules.verify_physician_info_change(person, entry, duplicate)
    institution = facts.institution_facts(session, int(data["institution_id"]))
    if kind == "physician.change":
        return physician_rules.verify_physician_change(data, person, entry, institution, duplicate)
    if kind == "physician.multi_site_filing":
        return physician_rules.verify_physician_multi_site_filing(data, person, entry, institution, duplicate)
    return physician_rules.verify_physician_re_registration(data, person, entry, institution, duplicate, date.today())


PHYSICIAN_KINDS_VERIFIED = frozenset({
    "physician.change", "physician.multi_site_filing", "physician.re_registration", "physician.info_change",
    "physician.departure_filing", "physician.cancellation",
})


# --- what an approval changes ----------------------------------------------------------------------


def _already_applied(entry: PhysicianRegistration, application: Application) -> bool:
    return any(event.application_id == application.id for event in entry.history)


def _decided_by(application: Application) -> str:
    """Who made the decision that takes effect: the last actor in the application's history."""
    return application.history[-1].actor if application.history else "系统"


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
    person = session.get(Person, entry.person_id)
    person.institution_id = institution_id


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


def record_first_registration(session: Session, entry: PhysicianRegistration, application: Application) -> None:
    """Called by the first registration's apply: its main practice and the first history row."""
    if _already_applied(entry, application):
        return
    from_status = entry.status if entry.id and entry.history else None
    _practise_mainly_at(session, entry, entry.institution_id, application, date.today())
    session.flush()
    entry.record(get_kind(application.kind).label, _decided_by(application), {
        "institution": [None, _name(session, entry.institution_id)],
        "practice_category": [None, entry.practice_category],
        "practice_scopes": [None, list(entry.practice_scopes)],
    }, application_id=application.id, from_status=from_status)


def _take_practice(session: Session, application: Application, reactivate: bool) -> PhysicianRegistration:
    """physician.change and physician.re_registration: the new institution, category and scope."""
    entry = physician_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    data, today = application.data, date.today()
    _materialise_practices(entry)
    before, from_status = _snapshot(session, entry), entry.status
    if reactivate:
        _close(entry.practices, today)
        entry.status, entry.status_reason, entry.status_since = "registered", "", today
    _practise_mainly_at(session, entry, int(data["institution_id"]), application, today)
    entry.practice_category = data["practice_category"]
    entry.practice_scopes = list(data["practice_scope"])
    entry.commission_code = application.commission_code
    session.flush()
    entry.record(get_kind(application.kind).label, _decided_by(application), _changes(before, _snapshot(session, entry)),
                 data.get("statement", ""), application.id, from_status=from_status)
    return entry


def apply_change(session: Session, application: Application) -> PhysicianRegistration:
    return _take_practice(session, application, reactivate=False)


def apply_re_registration(session: Session, application: Application) -> PhysicianRegistration:
    return _take_practice(session, application, reactivate=True)


def apply_multi_site_filing(session: Session, application: Application) -> PhysicianRegistration:
    entry = physician_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    _materialise_practices(entry)
    before = _snapshot(session, entry)
    entry.practices.append(PhysicianPractice(institution_id=int(application.data["institution_id"]), main=False,
                                             since=date.today(), application_id=application.id))
    session.flush()
    entry.record(get_kind(application.kind).label, _decided_by(application), _changes(before, _snapshot(session, entry)),
                 application_id=application.id, from_status=entry.status)
    return entry


def apply_info_change(session: Session, application: Application) -> PhysicianRegistration:
    """The institution's confirmation is final: the profile changes now."""
    entry = physician_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    apply_profile(session, application.person_id, application.data)
    changed = {INFO_LABELS[field]: [None, "已更新" if field == "photo" else application.data[field]]
               for field in application.data if field in INFO_LABELS}
    entry.record(get_kind(application.kind).label, _decided_by(application), changed,
                 application_id=application.id, from_status=entry.status)
    return entry


def _leave(session: Session, application: Application, status: str, on_key: str) -> PhysicianRegistration:
    """physician.departure_filing and physician.cancellation: the entry is filed or cancelled (or, for a departure
    from a further institution, that one practice ends)."""
    entry = physician_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    data = application.data
    on = date.fromisoformat(data[on_key])
    _materialise_practices(entry)
    before, from_status = _snapshot(session, entry), entry.status
    facts_ = entry_facts(entry)
    if status == "filed" and not physician_rules.departure_ends_registration(facts_, application.institution_id):
        _close([p for p in entry.practices if p.institution_id == application.institution_id], on)
    else:
        _close(entry.practices, on)
        entry.status, entry.status_reason, entry.status_since = status, data["reason"], on
    session.flush()
    comment = STATUS_REASON_LABELS.get(data["reason"], data["reason"])
    if data.get("comment"):
        comment += f"：{data['comment']}"
    entry.record(get_kind(application.kind).label, _decided_by(application), _changes(before, _snapshot(session, entry)),
                 comment, application.id, from_status=from_status)
    return entry


def apply_departure_filing(session: Session, application: Application) -> PhysicianRegistration:
    return _leave(session, application, "filed", "left_on")


def apply_cancellation(session: Session, application: Application) -> PhysicianRegistration:
    return _leave(session, application, "cancelled", "occurred_on")


# --- counter business ------------------------------------------------------------------------------


def apply_qualification(session: Session, application: Application) -> None:
    """补录"老人"资格 and 港澳台医师资格认定: a record in the qualification database; no register entry, no identifier."""
    data = application.data
    if session.get(PhysicianQualification, data["certificate_no"]) is None:
        session.add(PhysicianQualification(
            certificate_no=data["certificate_no"], name=data["name"], id_number_hash=data["id_number_hash"],
            level=data["level"], category=data["category"], issued_on=date.fromisoformat(data["issued_on"]),
        ))
        session.flush()
    return None


def apply_short_term_practice(session: Session, application: Application) -> PhysicianRegistration:
    """港澳台/外国医师短期行医: a registration at the host institution that ends on `end_date` by itself."""
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
    entry.commission_code, entry.registered_on, entry.valid_until = application.commission_code, start, end
    entry.status, entry.status_reason, entry.status_since = "registered", "", start
    entry.institution_id = int(data["institution_id"])
    entry.practices.append(PhysicianPractice(institution_id=entry.institution_id, main=True, since=start,
                                             application_id=application.id))
    session.flush()
    entry.record(get_kind(application.kind).label, _decided_by(application),
                 _changes(before, {**_snapshot(session, entry), "valid_until": end.isoformat()}),
                 f"短期行医期限：{start.isoformat()}至{end.isoformat()}", application.id, from_status=from_status)
    return entry


PHYSICIAN_APPLY: dict[str, Callable[[Session, Application], PhysicianRegistration | None]] = {
    "physician.change": apply_change,
    "physician.multi_site_filing": apply_multi_site_filing,
    "physician.re_registration": apply_re_registration,
    "physician.info_change": apply_info_change,
    "physician.departure_filing": apply_departure_filing,
    "physician.cancellation": apply_cancellation,
    "physician.qualification_backfill": apply_qualification,
    "physician.hmt_qualification_recognition": apply_qualification,
    "physician.hmt_short_term_practice": apply_short_term_practice,
    "physician.foreign_short_term_practice": apply_short_term_practice,
}


# --- short-term practice lapses by itself ----------------------------------------------------------------


def publish_physician_entry(session: Session, settings: Settings, entry: PhysicianRegistration) -> None:
    """A new public version of the entry (after a change the workers make themselves)."""
    entry.public_version += 1
    publish_version(session, settings, physician_record(session, entry, entry.public_version))


def lapse_short_term_once(settings: Settings, today: date | None = None) -> int:
    """Cancel every short-term practice registration whose end date has passed, and publish its new status."""
    today = today or date.today()
    lapsed = 0
    with session_scope(settings.database_url) as session:
        due = session.scalars(
            select(PhysicianRegistration)
            .where(PhysicianRegistration.status == "registered", PhysicianRegistration.valid_until < today)
            .order_by(PhysicianRegistration.id)
            .limit(1000)
            .with_for_update(skip_locked=True)
        ).all()
        for entry in due:
            if not physician_rules.is_lapsed(entry.valid_until, entry.status, today):
                continue
            before = _snapshot(session, entry)
            _materialise_practices(entry)
            _close(entry.practices, entry.valid_until)
            entry.status, entry.status_reason, entry.status_since = "cancelled", SHORT_TERM_EXPIRED, today
            session.flush()
            entry.record("短期行医期满", LAPSE_SERVICE, _changes(before, _snapshot(session, entry)),
                         f"短期行医期限至{entry.valid_until.isoformat()}，已期满，注册自动注销", from_status="registered")
            if entry.identifier:
                publish_physician_entry(session, settings, entry)
            lapsed += 1
    return lapsed


@app.task(name="workers.physicians.lapse_short_term", bind=True)
def lapse_short_term(self, items: list[dict] | None = None) -> int:
    return lapse_short_term_once(settings_of(self.app))
