"""Whom an application is about and which institution confirms it, when the data does not say so directly:
the institution of the person's own register entry (renewal, cancellation, info change), or — when an
institution applies for one of its staff — the person whose register identifier it names."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, NurseRegistration, PhysicianRegistration
from pipeline.kinds import Kind
from portal.errors import invalid

REGISTERS = {"physician": PhysicianRegistration, "nurse": NurseRegistration}


def subject_of(session: Session, account: Account, kind: Kind, clean: dict) -> tuple[int | None, int | None]:
    """(person_id, institution_id) of a new application of `kind` with cleaned data `clean`."""
    register = REGISTERS.get(kind.profession)
    if account.role == "institution" and register is not None and "identifier" in clean:
        entry = session.scalar(select(register).where(register.identifier == clean["identifier"]))
        if entry is None or account.institution_id not in institutions_of(entry):
            raise invalid({"identifier": "本机构没有该电子化注册识别码的注册人员"})
        return entry.person_id, account.institution_id
    if account.role == "institution" and register is not None and kind.submitted_by != "institution":
        raise invalid({"identifier": "机构代为申请时必填：该人员的电子化注册识别码"})
    if "institution_id" in clean:
        return account.person_id, clean["institution_id"]
    if account.role == "person" and register is not None:
        entry = session.scalar(select(register).where(register.person_id == account.person_id))
        if entry is not None:
            return account.person_id, entry.institution_id
    return account.person_id, account.institution_id


def institutions_of(entry) -> set[int]:
    """The institutions a register entry belongs to: its main one, and a physician's multi-site filings."""
    further = {p.institution_id for p in getattr(entry, "practices", ()) if p.until is None}
    return {entry.institution_id} | further
