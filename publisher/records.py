"""A public record is built from an allow-list of fields: nothing else of a person ever leaves."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import Commission, Institution, NurseRegistration, Person, PhysicianRegistration
from models.db import must_get
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from pipeline.registers.physicians import STATUS_LABELS as PHYSICIAN_STATUS_LABELS


def physician_record(session: Session, entry: PhysicianRegistration, version: int) -> dict:
    person = must_get(session, Person, entry.person_id)
    institution = must_get(session, Institution, entry.institution_id)
    commission = must_get(session, Commission, entry.commission_code)
    return physician_body(entry, person, institution.division_code, physician_institutions(session, entry),
                          commission.name if commission else "", version)


def physician_body(entry: Any, person: Any, division: str, institutions: list[dict], commission_name: str,
                   version: int) -> dict:
    """The record of a physician entry from its values (an ORM entry, or a row read in bulk by publisher/batch.py):
    `entry` has the register's columns, `person` a name and sex, `institutions` is physician_institutions'."""
    return {
        "identifier": entry.identifier,
        "kind": "physician",
        "version": version,
        "name": person.name,
        "sex": person.sex,
        "status": entry.status,
        "status_label": PHYSICIAN_STATUS_LABELS.get(entry.status, entry.status),
        "division": division,
        "level": entry.level,
        "qualification_category": entry.category,
        "practice_category": entry.practice_category,
        "practice_scopes": list(entry.practice_scopes),
        "institutions": institutions,
        "registering_authority": {"division": entry.commission_code, "name": commission_name},
        "registered_on": entry.registered_on.isoformat(),
        **({"valid_until": entry.valid_until.isoformat()} if entry.valid_until else {}),
    }


def physician_institutions(session: Session, entry: PhysicianRegistration) -> list[dict]:
    """Every institution the physician practises at (multi-site filings included), the main one first; a filed or
    cancelled entry shows the main institution it was last registered at."""
    running = sorted((p for p in entry.practices if p.until is None), key=lambda p: (not p.main, p.id))
    places = [(p.institution_id, p.main) for p in running] or [(entry.institution_id, True)]
    shown = []
    for institution_id, main in places:
        institution = must_get(session, Institution, institution_id)
        shown.append({"id": institution.id, "name": institution.name, "identifier": institution.identifier, "main": main})
    return shown


def institution_record(institution: Any, commission: Any, version: int) -> dict:
    """`institution`: an Institution, or a row with its columns and `department_names` (publisher/batch.py)."""
    return {
        "identifier": institution.identifier,
        "kind": "institution",
        "version": version,
        "institution_id": institution.id,
        "name": institution.name,
        "uscc": institution.uscc,
        "type": institution.type,
        "status": institution.status,
        "division": institution.division_code,
        "address": institution.address,
        "departments": institution.department_names,
        "beds": institution.beds,
        "registering_authority": {"division": institution.registered_by, "name": commission.name if commission else ""},
    }


def nurse_record(session: Session, entry: NurseRegistration, version: int) -> dict:
    """The public version of a nurse register entry: name, sex, institution, department, status, identifier,
    validity and registering authority — never the ID number, mobile, birth date or address."""
    person = must_get(session, Person, entry.person_id)
    institution = must_get(session, Institution, entry.institution_id)
    commission = must_get(session, Commission, entry.commission_code)
    return nurse_body(entry, person, institution, commission.name if commission else "", version)


def nurse_body(entry: Any, person: Any, institution: Any, commission_name: str, version: int) -> dict:
    """The record of a nurse entry from its values (see physician_body); `institution` has id, name, identifier and
    division_code."""
    return {
        "identifier": entry.identifier,
        "kind": "nurse",
        "version": version,
        "name": person.name,
        "sex": person.sex,
        "status": entry.status,
        "status_label": NURSE_STATUS_LABELS.get(entry.status, entry.status),
        "division": institution.division_code,
        "department": entry.department or None,
        "institutions": [
            {"id": institution.id, "name": institution.name, "identifier": institution.identifier, "main": True}
        ],
        "registering_authority": {"division": entry.commission_code, "name": commission_name},
        "registered_on": entry.registered_on.isoformat(),
        "valid_until": entry.valid_until.isoformat(),
    }
