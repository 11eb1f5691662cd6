"""Counter business 窗口业务: whom an application entered at the counter is about.

Each counter-only kind registers an entry handler with `@enters(KIND)`: it checks the cleaned data against the
registers and finds (or creates, without an account) the person, at which institution. Every other kind is
entered by `on_behalf`: the person or institution it is for is found from what the clerk entered
(pipeline/counter.py), and the kind's own verification rule decides, exactly as for an application made on
line. The portal's counter service then writes the application as approved and queues its identifier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts import Account
from models.applications import Application
from models.crypto import encrypt, lookup_hash, lookup_hashes
from models.db import hold, must_get
from models.persons import Person
from models.registers.institutions import Institution, institution_facts
from models.registers.nurses import NurseRegistration, nurse_entry
from models.registers.physicians import PhysicianRegistration, physician_entry
from models.registers.qualifications import NurseExamRecord, PhysicianQualification
from models.settings import Settings
from pipeline.counter import kind_part
from pipeline.errors import Conflict, ValidationFailed
from pipeline.kinds import (
    KINDS,
    Kind,
    nurse_pre2008_first_registration,
    physician_foreign_short_term_practice,
    physician_hmt_qualification_recognition,
    physician_hmt_short_term_practice,
    physician_qualification_backfill,
)
from pipeline.lifecycle import OPEN_STATUSES
from pipeline.persons import PROFESSIONS
from pipeline.registers.institutions import institution_reasons, scope_reasons
from pipeline.routing import in_jurisdiction


@dataclass(frozen=True)
class Entry:
    person_id: int | None
    institution_id: int | None
    data: dict[str, Any]  # what the application keeps (an ID number is never kept in clear)


Handler = Callable[[Session, Settings, Account, dict[str, Any]], Entry]
H = TypeVar("H", bound=Handler)
HANDLERS: dict[str, Handler] = {}


def enters(*kinds: Kind) -> Callable[[H], H]:
    def register(function: H) -> H:
        for kind in kinds:
            HANDLERS[kind.name] = function
        return function

    return register


def problems() -> list[str]:
    return [f"{kind.name}: no counter entry handler" for kind in KINDS.values() if kind.counter and kind.name not in HANDLERS]


def _without_id_number(clean: dict[str, Any]) -> dict[str, Any]:
    """ID numbers are kept encrypted on the person, never in application data."""
    return {key: value for key, value in clean.items() if key != "id_number"}


def counter_institution(session: Session, account: Account, institution_id: int) -> Institution:
    """The institution named at the counter: in the clerk's jurisdiction, operating, holding an identifier."""
    institution = _within(session, account, institution_id)
    if institution is None:
        raise ValidationFailed.one("institution_id", "not_found", "执业机构不存在或不在本卫健委辖区内")
    reasons = institution_reasons(institution_facts(session, institution_id))
    if reasons:
        raise ValidationFailed.one("institution_id", "invalid", "；".join(reasons))
    return institution


def person_by_id_number(session: Session, settings: Settings, clean: dict[str, Any], profession: str,
                        business: str) -> Person | None:
    """The person with this ID number, if any — of the right profession and name, or refused."""
    person = _holder(session, settings, clean)
    if person is not None:
        _same_person(person, clean, profession, business)
    return person


def _holder(session: Session, settings: Settings, clean: dict[str, Any]) -> Person | None:
    return session.scalar(select(Person).where(Person.id_number_hash.in_(lookup_hashes(settings.secrets, clean["id_number"]))))


def _same_person(person: Person, clean: dict[str, Any], profession: str, business: str) -> None:
    if person.profession != profession:
        other = "医师" if person.profession == "physician" else "护士"
        raise ValidationFailed.one("id_number", "conflict", f"该证件号码已登记为{other}，不能办理{business}")
    if person.name != clean["name"]:
        raise ValidationFailed.one("name", "mismatch", "姓名与该证件号码已登记的姓名不一致")


def new_person(session: Session, settings: Settings, clean: dict[str, Any], profession: str, institution_id: int) -> Person:
    """A person entered at the counter, without an account."""
    person = Person(
        profession=profession, name=clean["name"], sex=clean["sex"], birth_date=date.fromisoformat(clean["birth_date"]),
        id_type=clean["id_type"], id_number_encrypted=encrypt(settings.secret, clean["id_number"]),
        id_number_hash=lookup_hash(settings.secret, clean["id_number"]), mobile=clean.get("mobile", ""),
        institution_id=institution_id,
    )
    session.add(person)
    session.flush()
    return person


@enters(physician_qualification_backfill.KIND, physician_hmt_qualification_recognition.KIND)
def qualification(session: Session, settings: Settings, account: Account, clean: dict[str, Any]) -> Entry:
    """A new record of the physician qualification database (only its ID hash is kept). A certificate number is
    one person's: refused if the database has it, or if another counter entry of it waits for its issue step."""
    certificate_no = clean["certificate_no"]
    hold(session, "physician_qualification", certificate_no)
    if session.get(PhysicianQualification, certificate_no) is not None:
        raise Conflict(f"医师资格证书编号 {certificate_no} 已在医师资格库中，不能重复录入")
    pending = session.scalar(select(Application.id).where(
        Application.kind.in_([kind.name for kind in (physician_qualification_backfill.KIND,
                                                      physician_hmt_qualification_recognition.KIND)]),
        Application.status.in_([str(s) for s in OPEN_STATUSES]),
        Application.data["certificate_no"].as_string() == certificate_no,
    ).limit(1))
    if pending is not None:
        raise Conflict(f"医师资格证书编号 {certificate_no} 已有一件正在办理的窗口录入（#{pending}），不能重复录入")
    id_hash = lookup_hash(settings.secret, clean["id_number"])
    person_id = session.scalar(select(Person.id).where(Person.id_number_hash.in_(lookup_hashes(settings.secrets, clean["id_number"]))))
    return Entry(person_id, None, {**_without_id_number(clean), "id_number_hash": id_hash})


@enters(physician_hmt_short_term_practice.KIND, physician_foreign_short_term_practice.KIND)
def short_term_practice(session: Session, settings: Settings, account: Account, clean: dict[str, Any]) -> Entry:
    """The person (found by ID number, or created without an account) at the host institution."""
    institution = counter_institution(session, account, clean["institution_id"])
    if reasons := scope_reasons(clean.get("practice_scope"), institution_facts(session, institution.id)):
        raise ValidationFailed.one("practice_scope", "mismatch", "；".join(reasons))
    person = person_by_id_number(session, settings, clean, "physician", "医师短期行医")
    if person is not None:
        entry = physician_entry(session, person.id)
        if entry is not None and entry.status == "registered":
            raise Conflict("该医师已有有效的执业注册，期满或注销后方可再次办理短期行医")
    else:
        person = new_person(session, settings, clean, "physician", institution.id)
    return Entry(person.id, institution.id, _without_id_number(clean))


@enters(nurse_pre2008_first_registration.KIND)
def nurse_before_2008(session: Session, settings: Settings, account: Account, clean: dict[str, Any]) -> Entry:
    institution = counter_institution(session, account, clean["institution_id"])
    person = person_by_id_number(session, settings, clean, "nurse", "护士注册")
    if person is not None and nurse_entry(session, person.id) is not None:
        raise Conflict("该护士已有注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）")
    exam = session.get(NurseExamRecord, clean["certificate_no"])
    if exam is not None and (exam.id_number_hash not in lookup_hashes(settings.secrets, clean["id_number"]) or exam.name != clean["name"]):
        raise ValidationFailed.one("certificate_no", "conflict", "该编号的考试合格记录属于他人")
    if exam is not None and exam.passed_year != clean["passed_year"]:
        raise ValidationFailed.one("passed_year", "mismatch", f"与考试合格记录不一致（记录为{exam.passed_year}年）")
    person = person or new_person(session, settings, clean, "nurse", institution.id)
    return Entry(person.id, institution.id, _without_id_number(clean))


# --- every other kind, entered on someone's behalf ---------------------------------------------------------------

FIRST_REGISTRATIONS = frozenset({"physician_first_registration", "nurse_first_registration"})


def on_behalf(session: Session, settings: Settings, account: Account, kind: Kind, clean: dict[str, Any]) -> Entry:
    """Whom an online kind entered at the counter is about; refused (nothing written) when its verification would
    refuse it on line."""
    if kind.profession == "institution":
        institution = _within(session, account, clean["institution_id"])
        if institution is None:
            raise ValidationFailed.one("institution_id", "not_found", "医疗机构不存在或不在本卫健委辖区内")
        data = kind_part(kind, clean)
        if kind.prefill is not None:
            data = kind.clean(kind.prefill(institution.setup, data))
        entry = Entry(None, institution.id, data)
    else:
        person = counter_subject(session, settings, account, kind, clean)
        data = kind_part(kind, clean)
        institution_id = data.get("institution_id")
        if institution_id and _within(session, account, institution_id) is None:
            raise ValidationFailed.one("institution_id", "not_found", "执业机构不存在或不在本卫健委辖区内")
        entry = Entry(person.id, institution_id or person_institution(session, kind, person), data)
    refuse_if_verification_fails(session, settings, account, kind, entry)
    return entry


def _within(session: Session, account: Account, institution_id: int | None) -> Institution | None:
    """The institution, if it lies in the clerk's jurisdiction: the commission a counter application is entered for
    is the clerk's own, so what it changes must be an institution (and its staff) of that jurisdiction."""
    institution = session.get(Institution, institution_id) if institution_id else None
    if institution is None or not in_jurisdiction(account.division_code or "", institution.division_code):
        return None
    return institution


def counter_subject(session: Session, settings: Settings, account: Account, kind: Kind, clean: dict[str, Any]) -> Person:
    """The person by their register identifier, or by ID document and name; new for a first registration.

    Unless the clerk names the institution the business is at (a change to another institution, a first
    registration), the person's own register entry must be at an institution of the clerk's jurisdiction. A person
    elsewhere is answered exactly as one on no register, before their name is compared: the counter is no way to
    learn whether an ID number is registered somewhere else in the country. Named by identifier while registered
    elsewhere, the person's ID document must agree too (`_outside_by_document`)."""
    register: Any = NurseRegistration if kind.profession == "nurse" else PhysicianRegistration
    names_institution = bool(clean.get("institution_id"))
    if clean.get("identifier"):
        entry = session.scalar(select(register).where(register.identifier == clean["identifier"]))
        within = entry is not None and _within(session, account, entry.institution_id)
        if entry is None or not (names_institution or within):
            raise ValidationFailed.one("identifier", "not_found", "本卫健委辖区内没有该电子化注册识别码的注册记录")
        named = must_get(session, Person, entry.person_id)
        if not within:
            _outside_by_document(session, settings, clean, named)
        return named
    missing = {name: "必填" for name in ("id_type", "id_number", "name") if not clean.get(name)}
    if missing:
        raise ValidationFailed(missing, dict.fromkeys(missing, "required"))
    first = kind.name.replace(".", "_") in FIRST_REGISTRATIONS
    person = _holder(session, settings, clean)
    if person is not None and not (first or names_institution or _within(session, account, person_institution(session, kind, person))):
        person = None
    if person is not None:
        _same_person(person, clean, kind.profession, kind.label)
        return person
    if not first:
        who = PROFESSIONS.get(kind.profession, "")
        raise ValidationFailed.one("id_number", "not_found", f"本卫健委辖区内没有该证件号码的{who}注册记录，不能办理{kind.label}")
    new = {name: "新登记人员必填" for name in ("sex", "birth_date", "mobile") if not clean.get(name)}
    if new:
        raise ValidationFailed(new, dict.fromkeys(new, "required"))
    return new_person(session, settings, clean, kind.profession, clean.get("institution_id") or 0)


def _outside_by_document(session: Session, settings: Settings, clean: dict[str, Any], person: Person) -> None:
    """Business for someone registered outside the clerk's jurisdiction (moving to an institution of it): the
    identifier is public, on their record, so it alone proves nothing — the person shows their ID document, and its
    number and name must be the entry's. A mismatch is answered as an unknown identifier."""
    missing = {name: "办理辖区外注册人员的业务须核对本人证件：必填" for name in ("id_type", "id_number", "name")
               if not clean.get(name)}
    if missing:
        raise ValidationFailed(missing, dict.fromkeys(missing, "required"))
    holder = _holder(session, settings, clean)
    if holder is None or holder.id != person.id or person.name != clean["name"]:
        raise ValidationFailed.one("identifier", "not_found", "本卫健委辖区内没有该电子化注册识别码的注册记录")


def person_institution(session: Session, kind: Kind, person: Person) -> int | None:
    """The institution of the person's own register entry (a renewal, a cancellation …)."""
    entry = nurse_entry(session, person.id) if kind.profession == "nurse" else physician_entry(session, person.id)
    return entry.institution_id if entry is not None else person.institution_id


def refuse_if_verification_fails(session: Session, settings: Settings, account: Account, kind: Kind, entry: Entry) -> None:
    from models.facts import reasons_for  # facts loads the registers this module also reads

    trial = Application(kind=kind.name, person_id=entry.person_id, institution_id=entry.institution_id, data=entry.data,
                        applicant_account_id=account.id)
    reasons = reasons_for(session, trial, settings)
    if reasons:
        raise Conflict("核验未通过：" + "；".join(reasons))
