"""Load the facts the pure rules in pipeline/ decide on, from the database."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Application, Institution, Person, PhysicianQualification, PhysicianRegistration
from pipeline.lifecycle import OPEN_STATUSES
from pipeline.verification import InstitutionFacts, PersonFacts, QualificationFacts


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(name=person.name, id_number_hash=person.id_number_hash, profession=person.profession)


def qualification_facts(session: Session, certificate_no: str) -> QualificationFacts | None:
    record = session.get(PhysicianQualification, certificate_no)
    if record is None:
        return None
    return QualificationFacts(
        certificate_no=record.certificate_no,
        name=record.name,
        id_number_hash=record.id_number_hash,
        level=record.level,
        category=record.category,
    )


def institution_facts(session: Session, institution_id: int) -> InstitutionFacts | None:
    institution = session.get(Institution, institution_id)
    if institution is None:
        return None
    scope_map: dict[str, set[str]] = {}
    for row in institution.scope_map:
        scope_map.setdefault(row.department, set()).add(row.scope)
    return InstitutionFacts(
        id=institution.id,
        name=institution.name,
        identifier=institution.identifier,
        status=institution.status,
        division_code=institution.division_code,
        registered_by=institution.registered_by,
        departments=frozenset(institution.department_names),
        scope_map={department: frozenset(scopes) for department, scopes in scope_map.items()},
    )


def has_open_duplicate(session: Session, application: Application) -> bool:
    return session.scalar(
        select(
            exists().where(
                Application.person_id == application.person_id,
                Application.kind == application.kind,
                Application.status.in_([str(s) for s in OPEN_STATUSES]),
                Application.id != application.id,
            )
        )
    )


def is_registered_physician(session: Session, person_id: int) -> bool:
    return session.scalar(
        select(
            exists().where(
                PhysicianRegistration.person_id == person_id,
                PhysicianRegistration.status == "registered",
            )
        )
    )
