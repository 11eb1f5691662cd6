"""Parts of a person's own practice record beyond the physician register: the nurse register entry with its
history, the person's profile, and periodic assessment results (a physician's own, an institution's physicians')."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, AssessmentResult, Institution, NurseRegistration, Person, PersonProfile, PhysicianRegistration
from models.db import must_get
from pipeline import clock
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from portal.errors import invalid


def nurse_registration_json(session: Session, person_id: int) -> dict | None:
    entry = session.scalar(select(NurseRegistration).where(NurseRegistration.person_id == person_id))
    if entry is None:
        return None
    institution = must_get(session, Institution, entry.institution_id)
    return {
        "identifier": entry.identifier,
        "status": entry.status,
        "status_label": NURSE_STATUS_LABELS.get(entry.status, entry.status),
        "certificate_no": entry.certificate_no,
        "passed_year": entry.passed_year,
        "institution": {"id": institution.id, "name": institution.name},
        "department": entry.department,
        "registering_authority": entry.commission_code,
        "registered_on": entry.registered_on.isoformat(),
        "valid_until": entry.valid_until.isoformat(),
        "history": [
            {"at": clock.iso(event.at), "event": event.event, "actor": event.actor, "from": event.from_status,
             "to": event.to_status, "valid_until": event.valid_until.isoformat() if event.valid_until else None,
             "comment": event.comment, "application_id": event.application_id}
            for event in entry.history
        ],
    }


def profile_json(session: Session, person_id: int) -> dict | None:
    profile = session.get(PersonProfile, person_id)
    if profile is None:
        return None
    return {"has_photo": profile.photo is not None, "photo_type": profile.photo_type, "education": profile.education,
            "school": profile.school, "title": profile.title}


def assessment_json(row: AssessmentResult) -> dict:
    return {"period": row.period, "result": row.result, "assessed_on": row.assessed_on.isoformat(),
            "assessor": row.assessor}


def assessments_of_person(session: Session, person_id: int) -> list[dict]:
    """A physician's own results, by the certificate number of their register entry (newest period first)."""
    certificate_no = session.scalar(
        select(PhysicianRegistration.certificate_no).where(PhysicianRegistration.person_id == person_id))
    if certificate_no is None:
        return []
    rows = session.scalars(
        select(AssessmentResult).where(AssessmentResult.certificate_no == certificate_no)
        .order_by(AssessmentResult.period.desc()))
    return [assessment_json(row) for row in rows]


def institution_assessments(session: Session, account: Account, period: str | None = None) -> list[dict]:
    """Results of the physicians registered at the institution, with who they are."""
    period = (period or "").strip() or None
    if period is not None and len(period) > 20:
        raise invalid({"period": "考核周期不超过20个字符"})
    query = (
        select(AssessmentResult, PhysicianRegistration, Person)
        .join(PhysicianRegistration, PhysicianRegistration.certificate_no == AssessmentResult.certificate_no)
        .join(Person, Person.id == PhysicianRegistration.person_id)
        .where(PhysicianRegistration.institution_id == account.institution_id)
        .order_by(AssessmentResult.period.desc(), Person.name)
        .limit(2000)
    )
    if period is not None:
        query = query.where(AssessmentResult.period == period)
    return [
        {**assessment_json(row), "name": person.name, "identifier": entry.identifier, "certificate_no": row.certificate_no}
        for row, entry, person in session.execute(query)
    ]
