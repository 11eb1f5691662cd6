"""The physician counter kinds 医师窗口业务 (registered in portal/services/counter.py COUNTER_HANDLERS):
legacy qualification backfill 补录"老人"资格, Hong Kong / Macao / Taiwan qualification recognition, and
Hong Kong / Macao / Taiwan and foreign physicians' short-term practice (a registration that lapses by itself)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Person, PhysicianQualification, PhysicianRegistration
from models.crypto import encrypt, lookup_hash
from models.settings import Settings
from pipeline.verification import scope_reasons
from portal.errors import conflict, invalid
from workers import facts


def _without_id_number(clean: dict) -> dict:
    """ID numbers are kept encrypted on the person, never in application data."""
    return {key: value for key, value in clean.items() if key != "id_number"}


def qualification_entry(session: Session, settings: Settings, account: Account, clean: dict):
    """补录"老人"资格 / 港澳台医师资格认定: a new record of the physician qualification database (only its ID hash is kept)."""
    from portal.services.counter import Entry

    if session.get(PhysicianQualification, clean["certificate_no"]) is not None:
        raise conflict(f"医师资格证书编号 {clean['certificate_no']} 已在医师资格库中")
    id_hash = lookup_hash(settings.secret, clean["id_number"])
    person_id = session.scalar(select(Person.id).where(Person.id_number_hash == id_hash))
    return Entry(person_id, None, {**_without_id_number(clean), "id_number_hash": id_hash})


def short_term_practice_entry(session: Session, settings: Settings, account: Account, clean: dict):
    """港澳台/外国医师短期行医: the person (found by ID number, or created without an account) at the host institution."""
    from portal.services.counter import Entry, counter_institution

    institution = counter_institution(session, account, clean["institution_id"])
    if reasons := scope_reasons(clean, facts.institution_facts(session, institution.id)):
        raise invalid({"practice_scope": "；".join(reasons)})
    id_hash = lookup_hash(settings.secret, clean["id_number"])
    person = session.scalar(select(Person).where(Person.id_number_hash == id_hash))
    if person is not None:
        if person.profession != "physician":
            raise invalid({"id_number": "该证件号码已登记为护士，不能办理医师短期行医"})
        if person.name != clean["name"]:
            raise invalid({"name": "姓名与该证件号码已登记的姓名不一致"})
        entry = session.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == person.id))
        if entry is not None and entry.status == "registered":
            raise conflict("该医师已有有效的执业注册，期满或注销后方可再次办理短期行医")
    else:
        person = Person(
            profession="physician", name=clean["name"], sex=clean["sex"], birth_date=date.fromisoformat(clean["birth_date"]),
            id_type=clean["id_type"], id_number_encrypted=encrypt(settings.secret, clean["id_number"]),
            id_number_hash=id_hash, mobile=clean.get("mobile", ""), institution_id=institution.id,
        )
        session.add(person)
        session.flush()
    return Entry(person.id, institution.id, _without_id_number(clean))


PHYSICIAN_COUNTER_HANDLERS = {
    "physician.qualification_backfill": qualification_entry,
    "physician.hmt_qualification_recognition": qualification_entry,
    "physician.hmt_short_term_practice": short_term_practice_entry,
    "physician.foreign_short_term_practice": short_term_practice_entry,
}
