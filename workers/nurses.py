"""The nurse kinds in the workers: the facts verification decides on, what an approval changes in the nurse
register (with a history row per change), and a new public version of an entry."""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Account, Application, Commission, Institution, NurseExamRecord, NurseRegistration, Person, PersonProfile,
)
from models.base import utcnow
from models.crypto import encrypt, lookup_hash
from models.settings import Settings
from pipeline import nurse_rules
from pipeline.kinds import get_kind
from pipeline.nurse_rules import ExamFacts, NurseEntryFacts
from publisher.records import nurse_record
from workers import facts
from workers.app import app, settings_of
from workers.publication import publish_version

APPROVAL = "审批通过"


# --- facts ---------------------------------------------------------------------------------------


def nurse_entry(session: Session, person_id: int | None) -> NurseRegistration | None:
    if person_id is None:
        return None
    return session.scalar(select(NurseRegistration).where(NurseRegistration.person_id == person_id))


def entry_facts(entry: NurseRegistration | None) -> NurseEntryFacts | None:
    if entry is None:
        return None
    return NurseEntryFacts(entry.identifier, entry.status, entry.institution_id, entry.valid_until)


def exam_facts(session: Session, certificate_no: str) -> ExamFacts | None:
    record = session.get(NurseExamRecord, certificate_no)
    if record is None:
        return None
    return ExamFacts(record.certificate_no, record.name, record.id_number_hash, record.passed_year)


def reasons_for_nurse(session: Session, application: Application) -> list[str]:
    """Every reason to refuse a nurse application, from the register and the reference data."""
    person = facts.person_facts(session.get(Person, application.person_id))
    entry = entry_facts(nurse_entry(session, application.person_id))
    duplicate = facts.has_open_duplicate(session, application)
    institution = facts.institution_facts(session, application.institution_id) if application.institution_id else None
    data = application.data
    kind = application.kind
    if kind == "nurse.first_registration":
        return nurse_rules.verify_nurse_first_registration(
            data, person, exam_facts(session, data["certificate_no"]), institution, entry, duplicate)
    if kind == "nurse.change":
        return nurse_rules.verify_nurse_change(person, entry, institution, duplicate)
    if kind == "nurse.re_registration":
        return nurse_rules.verify_nurse_re_registration(person, entry, institution, duplicate)
    if kind == "nurse.renewal":
        window = settings_of(app).renewal_window_days
        return nurse_rules.verify_nurse_renewal(person, entry, institution, duplicate, date.today(), window)
    if kind == "nurse.cancellation":
        return nurse_rules.verify_nurse_cancellation(person, entry, application.institution_id, duplicate)
    if kind == "nurse.info_change":
        return nurse_rules.verify_nurse_info_change(person, entry, duplicate)
    return [f"业务类型 {kind} 暂不能在线核验"]


NURSE_KINDS_VERIFIED = frozenset({
    "nurse.first_registration", "nurse.change", "nurse.re_registration", "nurse.renewal", "nurse.cancellation",
    "nurse.info_change",
})


# --- what an approval changes ----------------------------------------------------------------------


def _already_applied(entry: NurseRegistration, application: Application) -> bool:
    return any(event.application_id == application.id for event in entry.history)


def _practise_at(entry: NurseRegistration, application: Application) -> None:
    entry.institution_id = int(application.data["institution_id"])
    entry.department = application.data["department"]
    entry.commission_code = application.commission_code


def _start_validity(entry: NurseRegistration, today: date) -> None:
    entry.valid_until = nurse_rules.first_valid_until(today)
    entry.expiry_notices = []


def apply_first_registration(session: Session, application: Application) -> NurseRegistration:
    entry = nurse_entry(session, application.person_id)
    if entry is not None and _already_applied(entry, application):
        return entry
    exam = session.get(NurseExamRecord, application.data["certificate_no"])
    today = date.today()
    if entry is None:
        entry = NurseRegistration(person_id=application.person_id, registered_on=today)
        session.add(entry)
    entry.certificate_no, entry.passed_year = exam.certificate_no, exam.passed_year
    _practise_at(entry, application)
    _start_validity(entry, today)
    entry.status = "registered"
    entry.record(get_kind(application.kind).label, APPROVAL, application_id=application.id)
    session.flush()
    return entry


def apply_pre2008_first_registration(session: Session, application: Application) -> NurseRegistration:
    """Counter business: the exam record is backfilled from what the staff entered, then as a first registration."""
    data = application.data
    exam = session.get(NurseExamRecord, data["certificate_no"])
    if exam is None:
        person = session.get(Person, application.person_id)
        session.add(NurseExamRecord(certificate_no=data["certificate_no"], name=person.name,
                                    id_number_hash=person.id_number_hash, passed_year=int(data["passed_year"])))
        session.flush()
    return apply_first_registration(session, application)


def apply_change(session: Session, application: Application) -> NurseRegistration:
    entry = nurse_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    was = session.get(Institution, entry.institution_id).name
    _practise_at(entry, application)
    session.get(Person, application.person_id).institution_id = entry.institution_id
    now = session.get(Institution, entry.institution_id).name
    entry.record("护士变更注册", APPROVAL, f"执业机构由“{was}”变更为“{now}”，科室：{entry.department}", application.id)
    return entry


def apply_re_registration(session: Session, application: Application) -> NurseRegistration:
    entry = nurse_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    before = entry.status
    _practise_at(entry, application)
    _start_validity(entry, date.today())
    entry.status = "registered"
    session.get(Person, application.person_id).institution_id = entry.institution_id
    entry.record("护士重新注册", APPROVAL, application_id=application.id, from_status=before)
    return entry


def apply_renewal(session: Session, application: Application) -> NurseRegistration:
    entry = nurse_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    before = entry.status
    entry.valid_until = nurse_rules.renewed_until(entry.valid_until)
    entry.expiry_notices = []
    entry.status = "registered"  # applied for in time, so a lapse while it waited for approval does not count
    entry.record("护士延续注册", APPROVAL, f"有效期延续至{entry.valid_until.isoformat()}", application.id, from_status=before)
    return entry


def apply_cancellation(session: Session, application: Application) -> NurseRegistration:
    entry = nurse_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    before, entry.status = entry.status, "cancelled"
    entry.record("护士注销注册", APPROVAL, application.data.get("reason", ""), application.id, from_status=before)
    return entry


def apply_info_change(session: Session, application: Application) -> NurseRegistration:
    """The institution's confirmation is final: the profile (and the department on the register) change now."""
    entry = nurse_entry(session, application.person_id)
    if _already_applied(entry, application):
        return entry
    apply_profile(session, application.person_id, application.data)
    if "department" in application.data:
        entry.department = application.data["department"]
    changed = "、".join(INFO_LABELS[field] for field in application.data if field in INFO_LABELS)
    entry.record("护士个人信息变更", "机构确认", f"变更：{changed}", application.id)
    return entry


INFO_LABELS = {"photo": "照片", "education": "学历", "school": "毕业学校", "title": "职称", "department": "工作科室"}


def apply_profile(session: Session, person_id: int, data: dict) -> PersonProfile:
    """Write photo, education, school and title given in `data` to the person's profile."""
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


NURSE_APPLY: dict[str, Callable[[Session, Application], NurseRegistration]] = {
    "nurse.first_registration": apply_first_registration,
    "nurse.pre2008_first_registration": apply_pre2008_first_registration,
    "nurse.change": apply_change,
    "nurse.re_registration": apply_re_registration,
    "nurse.renewal": apply_renewal,
    "nurse.cancellation": apply_cancellation,
    "nurse.info_change": apply_info_change,
}


# --- the counter: the person the staff entered ------------------------------------------------------


def counter_person(session: Session, settings: Settings, data: dict) -> Person:
    """The person of a counter entry: found by ID number, or created (without an account) from what was entered."""
    id_hash = lookup_hash(settings.secret, data["id_number"])
    person = session.scalar(select(Person).where(Person.id_number_hash == id_hash))
    if person is None:
        person = Person(
            profession="nurse", name=data["name"], sex=data["sex"], birth_date=date.fromisoformat(data["birth_date"]),
            id_type=data["id_type"], id_number_encrypted=encrypt(settings.secret, data["id_number"]),
            id_number_hash=id_hash, mobile=data["mobile"], institution_id=int(data["institution_id"]),
        )
        session.add(person)
        session.flush()
    return person


# --- publication -----------------------------------------------------------------------------------


def publish_nurse_entry(session: Session, settings: Settings, entry: NurseRegistration) -> None:
    """A new public version of the entry (after a status change the workers make themselves, e.g. expiry)."""
    entry.public_version += 1
    publish_version(session, settings, nurse_record(session, entry, entry.public_version))


def nurse_accounts(session: Session, person_id: int) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.person_id == person_id)))


def commission_name(session: Session, code: str) -> str:
    commission = session.get(Commission, code)
    return commission.name if commission else code
