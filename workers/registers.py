"""What an approved application changes in the registers."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, PhysicianQualification, PhysicianRegistration
from workers.nurses import NURSE_APPLY
from workers.institution_business import INSTITUTION_APPLY
from workers.physicians import PHYSICIAN_APPLY, record_first_registration


def apply_physician_first_registration(session: Session, application: Application) -> PhysicianRegistration:
    """Create (or, on a redelivery or a re-registration, update) the physician's register entry."""
    data = application.data
    qualification = session.get(PhysicianQualification, data["certificate_no"])
    entry = session.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == application.person_id))
    if entry is None:
        entry = PhysicianRegistration(person_id=application.person_id, registered_on=date.today())
        session.add(entry)
    entry.certificate_no = qualification.certificate_no
    entry.level = qualification.level
    entry.category = qualification.category
    entry.practice_category = data["practice_category"]
    entry.practice_scopes = list(data["practice_scope"])
    entry.institution_id = int(data["institution_id"])
    entry.commission_code = application.commission_code
    entry.status = "registered"
    session.flush()
    record_first_registration(session, entry, application)
    return entry


APPLY = {"physician.first_registration": apply_physician_first_registration}
APPLY.update(NURSE_APPLY)
APPLY.update(INSTITUTION_APPLY)
APPLY.update(PHYSICIAN_APPLY)


def apply_to_register(session: Session, application: Application) -> PhysicianRegistration | None:
    """The register entry the approval changed; None when it changed reference data only (a qualification record)."""
    return APPLY[application.kind](session, application)
