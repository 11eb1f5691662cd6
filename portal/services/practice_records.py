"""Parts of a person's own practice record beyond the physician register: the nurse register entry with its
history, the person's profile, and periodic assessment results (a physician's own, an institution's physicians')."""
from __future__ import annotations

from sqlalchemy import and_, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from models import Account, AssessmentResult, Institution, NurseRegistration, Person, PersonProfile, PhysicianRegistration
from models.db import must_get
from pipeline import clock
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from portal.errors import invalid
from portal.services.paging import key_cursor, key_of


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


ASSESSMENTS_A_PAGE = 100  # the page's
ASSESSMENTS_MOST = 2000  # the API's default and most a page (the list once stopped at 2000, saying nothing)


def institution_assessments(session: Session, account: Account, period: str | None = None, cursor: str = "",
                            limit: int = ASSESSMENTS_MOST, page: int = 1) -> dict:
    """Results of the physicians registered at the institution, with who they are: newest period first, then by
    name, `limit` a page after `cursor` (the `next` of the page before), else page `page` by offset (a pager's
    上一页). {"items", "next"}."""
    period = (period or "").strip() or None
    if period is not None and len(period) > 20:
        raise invalid({"period": "考核周期不超过20个字符"})
    after = key_of(cursor, str, str, int)
    query = (
        select(AssessmentResult, PhysicianRegistration, Person)
        .join(PhysicianRegistration, PhysicianRegistration.certificate_no == AssessmentResult.certificate_no)
        .join(Person, Person.id == PhysicianRegistration.person_id)
        .where(PhysicianRegistration.institution_id == account.institution_id)
    )
    if period is not None:
        query = query.where(AssessmentResult.period == period)
    if after is not None:  # the period descending, then the name and the id ascending
        query = query.where(or_(AssessmentResult.period < after[0], and_(
            AssessmentResult.period == after[0],
            tuple_(Person.name, AssessmentResult.id) > tuple_(literal(after[1]), literal(after[2])))))
    else:
        query = query.offset((page - 1) * limit)
    rows = session.execute(query.order_by(AssessmentResult.period.desc(), Person.name, AssessmentResult.id)
                           .limit(limit + 1)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return {
        "items": [{**assessment_json(row), "name": person.name, "identifier": entry.identifier,
                   "certificate_no": row.certificate_no} for row, entry, person in rows[:limit]],
        "next": key_cursor(last[0].period, last[2].name, last[0].id) if last else None,
    }
