"""The facts the verification rules decide on, loaded from the database by name.

A kind's rule (`Kind.refuse` in pipeline/kinds/) names the facts it needs as its parameters; `LOADERS` has one
loader per name, and `reasons_for` loads exactly those an application's kind asks for, so each kind costs
only the queries it needs. `problems()` names any fact a rule asks for that nobody loads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models.applications import Application
from models.persons import Person
from models.registers.institutions import Institution, institution_facts
from models.registers.nurses import entry_facts as nurse_entry_facts
from models.registers.nurses import nurse_entry
from models.registers.physicians import entry_facts as physician_entry_facts
from models.registers.physicians import physician_entry
from models.registers.qualifications import NurseExamRecord, PhysicianQualification
from models.settings import Settings
from pipeline import clock
from pipeline.kinds import KINDS
from pipeline.lifecycle import OPEN_STATUSES
from pipeline.persons import ExamFacts, PersonFacts, QualificationFacts


@dataclass(frozen=True)
class Asked:
    """What a loader may look at: the application, its session, the deployment's settings and today."""

    session: Session
    application: Application
    settings: Settings
    today: date


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(name=person.name, id_number_hash=person.id_number_hash, profession=person.profession)


def qualification_facts(session: Session, certificate_no: str) -> QualificationFacts | None:
    record = session.get(PhysicianQualification, certificate_no)
    if record is None:
        return None
    return QualificationFacts(record.certificate_no, record.name, record.id_number_hash, record.level, record.category)


def exam_facts(session: Session, certificate_no: str) -> ExamFacts | None:
    record = session.get(NurseExamRecord, certificate_no)
    if record is None:
        return None
    return ExamFacts(record.certificate_no, record.name, record.id_number_hash, record.passed_year)


def _person(asked: Asked) -> PersonFacts:
    person = asked.session.get(Person, asked.application.person_id)
    assert person is not None, "a person's application names the person"
    return person_facts(person)


def _uscc_holder(asked: Asked) -> str | None:
    """The name of another institution already holding the credit code the application gives."""
    code = asked.application.data.get("uscc")
    if not code:
        return None
    return asked.session.scalar(
        select(Institution.name).where(Institution.uscc == code, Institution.id != asked.application.institution_id)
    )


LOADERS: dict[str, Callable[[Asked], Any]] = {
    "data": lambda asked: asked.application.data,
    "person": _person,
    "qualification": lambda asked: qualification_facts(asked.session, asked.application.data.get("certificate_no", "")),
    "exam": lambda asked: exam_facts(asked.session, asked.application.data.get("certificate_no", "")),
    "institution": lambda asked: institution_facts(asked.session, asked.application.institution_id),
    "institution_id": lambda asked: asked.application.institution_id,
    "physician": lambda asked: physician_entry_facts(physician_entry(asked.session, asked.application.person_id)),
    "nurse": lambda asked: nurse_entry_facts(nurse_entry(asked.session, asked.application.person_id)),
    "uscc_holder": _uscc_holder,
    "today": lambda asked: asked.today,
    "renewal_window_days": lambda asked: asked.settings.renewal_window_days,
}


def has_open_duplicate(session: Session, application: Application) -> bool:
    """Another application of the same kind still open, about the same person (or, for an institution's own
    business, the same institution)."""
    same_subject = (Application.person_id == application.person_id if application.person_id is not None
                    else (Application.institution_id == application.institution_id) & Application.person_id.is_(None))
    others = [Application.id != application.id] if application.id is not None else []  # not yet written: all are others
    return bool(session.scalar(select(exists().where(
        same_subject,
        Application.kind == application.kind,
        Application.status.in_([str(s) for s in OPEN_STATUSES]),
        *others,
    ))))


def reasons_for(session: Session, application: Application, settings: Settings, today: date | None = None) -> list[str]:
    """Every reason to refuse the application: its kind's rule over the facts it names, and a duplicate."""
    kind = KINDS[application.kind]
    if kind.refuse is None:
        return []
    asked = Asked(session, application, settings, today or clock.today())
    reasons = kind.refuse(**{name: LOADERS[name](asked) for name in kind.facts})
    if has_open_duplicate(session, application):
        reasons.append(f"已有一件未办结的{kind.label}申请，不能重复申请")
    return reasons


def problems() -> list[str]:
    return [f"{kind.name}: no loader for fact {name!r}" for kind in KINDS.values() for name in kind.facts
            if name not in LOADERS]
