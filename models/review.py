"""What the review of an application reads from the registers: the person it is about, their qualification or
exam record, the register entry as it is now (in the terms of pipeline/review.py), the institution and the
person's photo. pipeline/review.py turns it into Chinese rows and the before/after table."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models.applications import Application
from models.persons import Person
from models.profiles import PersonProfile
from models.registers.institutions import Institution
from models.registers.nurses import nurse_entry
from models.registers.physicians import current_practices, physician_entry
from models.registers.qualifications import NurseExamRecord, PhysicianQualification
from pipeline.kinds import KINDS


@dataclass(frozen=True)
class Record:
    """A qualification (医师资格) or exam (护士执业资格考试) record the application names: title and (label, value) rows."""

    title: str
    rows: list[tuple[str, str]]
    matches_person: bool


def _name(session: Session, institution_id: int | None) -> str | None:
    institution = session.get(Institution, institution_id) if institution_id else None
    return institution.name if institution else None


def profile_state(session: Session, person_id: int) -> dict[str, Any]:
    profile = session.get(PersonProfile, person_id)
    if profile is None:
        return {"photo": False}
    return {"photo": profile.photo is not None, "education": profile.education, "school": profile.school, "title": profile.title}


def photo_data_url(session: Session, person_id: int | None) -> str | None:
    """The person's photo (set by an info change) as a data: URL for an <img>, or None."""
    profile = session.get(PersonProfile, person_id) if person_id else None
    if profile is None or profile.photo is None or profile.photo_type not in ("image/jpeg", "image/png"):
        return None
    return f"data:{profile.photo_type};base64,{base64.b64encode(profile.photo).decode('ascii')}"


def entry_state(session: Session, application: Application) -> dict[str, Any] | None:
    """The register entry the application would change, as it is now, or None (nothing registered yet)."""
    kind = KINDS[application.kind]
    if kind.profession == "institution":
        institution = session.get(Institution, application.institution_id) if application.institution_id else None
        if institution is None:
            return None
        state: dict[str, Any] = {name: getattr(institution, name) for name in ("status", "name", "type", "address", "beds",
                                                                              "legal_rep", "principal", "phone", "fax")}
        state["departments"] = sorted(d.department for d in institution.departments)
        return state
    if kind.profession == "physician":
        entry = physician_entry(session, application.person_id)
        if entry is None:
            return None
        return {
            "status": entry.status, "institution": _name(session, entry.institution_id),
            "practice_category": entry.practice_category, "practice_scopes": list(entry.practice_scopes or []),
            "institutions": [_name(session, p.institution_id) for p in current_practices(entry)],
            **profile_state(session, entry.person_id),
        }
    nurse = nurse_entry(session, application.person_id)
    if nurse is None:
        return None
    return {"status": nurse.status, "institution": _name(session, nurse.institution_id), "department": nurse.department,
            "valid_until": nurse.valid_until, **profile_state(session, nurse.person_id)}


def record_of(session: Session, application: Application, person: Person | None) -> Record | None:
    """The qualification or exam record the application names (or the entry holds)."""
    kind = KINDS[application.kind]
    number = (application.data or {}).get("certificate_no")
    if kind.profession == "physician":
        if not number and person is not None:
            entry = physician_entry(session, person.id)
            number = entry.certificate_no if entry else None
        found = session.get(PhysicianQualification, number) if isinstance(number, str) else None
        if found is None:
            return Record("医师资格", [("医师资格证书编号", number or "—"), ("医师资格库", "未找到该记录")], False) if number else None
        rows = [("医师资格证书编号", found.certificate_no), ("姓名", found.name), ("医师级别", found.level), ("资格类别", found.category),
                ("资格取得日期", found.issued_on.isoformat() if isinstance(found.issued_on, date) else "—")]
        return Record("医师资格", rows, person is not None and person.id_number_hash == found.id_number_hash)
    if kind.profession == "nurse":
        if not number and person is not None:
            nurse = nurse_entry(session, person.id)
            number = nurse.certificate_no if nurse else None
        exam = session.get(NurseExamRecord, number) if isinstance(number, str) else None
        if exam is None:
            missing = [("考试合格证明编号", number or "—"), ("考试合格库", "未找到该记录")]
            return Record("护士执业资格考试", missing, False) if number else None
        rows = [("考试合格证明编号", exam.certificate_no), ("姓名", exam.name), ("考试合格年份", str(exam.passed_year))]
        return Record("护士执业资格考试", rows, person is not None and person.id_number_hash == exam.id_number_hash)
    return None
