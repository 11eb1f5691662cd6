"""Submitting an application: who may, whom it is about, its clean data, and its first outbox message.

One path for every way in — the API, the pages, an institution's CSV batch (which a worker submits) — so a
rule holds whoever submits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models.accounts import Account
from models.applications import Application
from models.audit import audit
from models.db import hold
from models.divisions import Commission
from models.outbox import enqueue
from models.persons import Person
from models.registers.institutions import Institution
from models.registers.nurses import NurseRegistration
from models.registers.physicians import PhysicianRegistration
from pipeline.errors import Conflict, Forbidden, ValidationFailed
from pipeline.kinds import INSTITUTION, PERSON, Kind, get_kind
from pipeline.lifecycle import OPEN_STATUSES, initial_status

VERIFY = "workers.verification.verify"
NOTIFY = "workers.notifications.notify"
STAFF_REGISTERS: dict[str, Any] = {  # the staff registers, by profession (both have identifier, person, institution)
    "physician": PhysicianRegistration, "nurse": NurseRegistration,
}


def actor_label(session: Session, account: Account) -> str:
    """How an account appears in history rows: role and a name a reader recognises."""
    if account.role == "person":
        person = session.get(Person, account.person_id)
        return f"申请人 {person.name if person else ''}"
    if account.role == "institution":
        institution = session.get(Institution, account.institution_id)
        return f"机构 {institution.name if institution else ''}"
    # The commission by name: the history is read by the applicant and the institution, to whom a division code says
    # nothing and a staff member's login name must not be shown (the audit log keeps which account it was).
    commission = session.get(Commission, account.division_code) if account.division_code else None
    return commission.name if commission is not None else "卫生健康委员会"


def submit(session: Session, account: Account, kind_name: object, data: object) -> Application:
    """Check, write and queue a new application; ValidationFailed, Forbidden or Conflict change nothing."""
    if not isinstance(kind_name, str) or not kind_name:
        raise ValidationFailed.one("kind", "required", "必填")
    kind = get_kind(kind_name)
    if account.role not in kind.applicants or kind.counter:
        raise Forbidden(f"当前账号不能提交“{kind.label}”")
    if account.role == PERSON:
        person = session.get(Person, account.person_id)
        if person is None or person.profession != kind.profession:
            raise Forbidden(f"“{kind.label}”不适用于当前账号的执业类别")
    if kind.profession == "institution":
        data = institution_data(session, account, kind, data)
    clean = kind.clean(data)
    person_id, institution_id = subject_of(session, account, kind, clean)
    application = Application(
        kind=kind.name, status=initial_status(kind.name), applicant_account_id=account.id,
        person_id=person_id, institution_id=institution_id, data=clean,
    )
    refuse_open_duplicate(session, application)
    session.add(application)
    application.record(actor_label(session, account), None, application.status, "提交申请")
    session.flush()
    enqueue(session, VERIFY, application_id=application.id)
    if account.role == INSTITUTION and application.person_id is not None:
        # A physician or nurse hears when their institution files a departure or a cancellation about them.
        enqueue(session, NOTIFY, application_id=application.id, event="filed_about_you")
    audit(session, f"account:{account.id}", "submit", f"application:{application.id}", kind=kind.name)
    return application


def institution_data(session: Session, account: Account, kind: Kind, data: object) -> object:
    """An institution's own business: refuse a second open one, and pre-fill what the kind pre-fills."""
    hold(session, f"open:{kind.name}", f"institution:{account.institution_id}")
    open_one = session.scalar(select(exists().where(
        Application.institution_id == account.institution_id, Application.kind == kind.name, Application.person_id.is_(None),
        Application.status.in_([str(s) for s in OPEN_STATUSES]),
    )))
    if open_one:
        raise Conflict(f"已有一件办理中的“{kind.label}”申请，不能重复提交")
    if kind.prefill is not None and isinstance(data, dict):
        institution = session.get(Institution, account.institution_id)
        return kind.prefill(institution.setup if institution else {}, data)
    return data


def refuse_open_duplicate(session: Session, application: Application) -> None:
    """Conflict if the person already has an open application of this kind. Submissions of one kind about one person
    wait for each other until commit (db.hold): checked at the same moment, sixteen identical submissions made eight
    open applications."""
    if application.person_id is None:
        return
    hold(session, f"open:{application.kind}", f"person:{application.person_id}")
    duplicate = session.scalar(select(exists().where(
        Application.person_id == application.person_id,
        Application.kind == application.kind,
        Application.status.in_([str(s) for s in OPEN_STATUSES]),
    )))
    if duplicate:
        raise Conflict(f"已有一件办理中的“{get_kind(application.kind).label}”申请，不能重复提交")


def subject_of(session: Session, account: Account, kind: Kind, clean: dict[str, Any]) -> tuple[int | None, int | None]:
    """(person_id, institution_id) of a new or resubmitted application: whom it is about and which institution confirms
    it; ValidationFailed when the data names an institution that does not exist or a person the account may not name.

    When the data does not say so directly, it is the institution of the person's own register entry (renewal,
    cancellation, info change), or — when an institution applies for one of its staff — the person whose
    register identifier it names."""
    if "institution_id" in clean and session.get(Institution, clean["institution_id"]) is None:
        # Verification would refuse it, but the row could not even be written (a foreign key): say so now.
        raise ValidationFailed.one("institution_id", "not_found", "执业机构不存在")
    register = STAFF_REGISTERS.get(kind.profession)
    if account.role == PERSON and register is not None and clean.get("identifier"):
        # A kind an institution may also file names the person by identifier; a person filing it can only mean
        # themselves (the register effect goes by the person): another's identifier would be shown to the approver
        # while the applicant's own entry changed.
        own = session.scalar(select(register.identifier).where(register.person_id == account.person_id))
        if own != clean["identifier"]:
            raise ValidationFailed.one("identifier", "mismatch", "本人申请时只能填写本人的电子化注册识别码（可不填）")
    if account.role == INSTITUTION and register is not None and "identifier" in clean:
        entry = session.scalar(select(register).where(register.identifier == clean["identifier"]))
        if entry is None or account.institution_id not in institutions_of(entry):
            raise ValidationFailed.one("identifier", "not_found", "本机构没有该电子化注册识别码的注册人员")
        return entry.person_id, account.institution_id
    if account.role == INSTITUTION and register is not None and kind.submitted_by != INSTITUTION:
        raise ValidationFailed.one("identifier", "required", "机构代为申请时必填：该人员的电子化注册识别码")
    if "institution_id" in clean:
        return account.person_id, clean["institution_id"]
    if account.role == PERSON and register is not None:
        entry = session.scalar(select(register).where(register.person_id == account.person_id))
        if entry is not None:
            return account.person_id, entry.institution_id
    return account.person_id, account.institution_id


def institutions_of(entry: PhysicianRegistration | NurseRegistration) -> set[int]:
    """The institutions a register entry belongs to: its main one, and a physician's multi-site filings."""
    further = {p.institution_id for p in getattr(entry, "practices", ()) if p.until is None}
    return {entry.institution_id} | further
