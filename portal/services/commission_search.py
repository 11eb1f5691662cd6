"""Query 信息查询 at the commission end: persons, institutions, register entries and applications of the
jurisdiction, found by name, ID number, mobile, identifier, credit code or application number, with the private
fields a commission may see (the ID number decrypted for display)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, Application, Institution, NurseRegistration, Person, PhysicianRegistration
from models.audit import audit
from models.crypto import decrypt, lookup_hashes
from models.settings import Settings
from pipeline.kinds import KINDS
from pipeline.numbers import is_count
from pipeline.routing import jurisdiction_prefix
from portal.errors import invalid

LIMIT = 50


def search(session: Session, settings: Settings, account: Account, q: str) -> dict:
    q = (q or "").strip()
    if not q:
        raise invalid({"q": "请输入姓名、证件号码、手机号码、识别码、统一社会信用代码或申请编号"})
    if len(q) > 100:
        raise invalid({"q": "查询内容过长"})
    prefix = jurisdiction_prefix(account.division_code)
    found = {
        "persons": persons(session, settings, prefix, q),
        "institutions": institutions(session, prefix, q),
        "registrations": registrations(session, prefix, q),
        "applications": applications(session, prefix, q),
    }
    # Every query is audited, never in clear: who searched, for what kind of thing, and whose full ID numbers were shown.
    by_id_number = bool(session.scalar(select(Person.id).where(Person.id_number_hash.in_(lookup_hashes(settings.secrets, q)))
                                       .limit(1)))
    revealed = [person["id"] for person in found["persons"] if person["id_number"]]
    audit(session, f"account:{account.id}", "search_by_id_number" if by_id_number else "search", "persons", account.division_code,
          query=masked_query(q), results=sum(len(items) for items in found.values()))
    if revealed:
        audit(session, f"account:{account.id}", "reveal_id_number", "persons", account.division_code, persons=revealed)
    return found


def masked_query(q: str) -> str:
    """What an audit entry keeps of a query: enough to recognise it, not an ID number or a mobile in clear."""
    return q if len(q) <= 4 else q[:2] + "*" * (len(q) - 4) + q[-2:]


def persons(session: Session, settings: Settings, prefix: str, q: str) -> list[dict]:
    matches = [Person.name.contains(q), Person.id_number_hash.in_(lookup_hashes(settings.secrets, q)), Person.mobile == q]
    rows = session.execute(
        select(Person, Institution).join(Institution, Institution.id == Person.institution_id)
        .where(Institution.division_code.like(f"{prefix}%"), or_(*matches)).order_by(Person.id).limit(LIMIT)
    ).all()
    return [person_json(settings, person, institution) for person, institution in rows]


def person_json(settings: Settings, person: Person, institution: Institution) -> dict:
    try:
        id_number = decrypt(settings.secrets, person.id_number_encrypted)
    except ValueError:
        id_number = None  # encrypted under another secret: shown as unavailable, never as a 500
    return {
        "id": person.id, "name": person.name, "profession": person.profession, "sex": person.sex,
        "birth_date": person.birth_date.isoformat(), "id_type": person.id_type, "id_number": id_number,
        "mobile": person.mobile, "institution": {"id": institution.id, "name": institution.name},
    }


def institutions(session: Session, prefix: str, q: str) -> list[dict]:
    rows = session.scalars(
        select(Institution).where(
            Institution.division_code.like(f"{prefix}%"),
            or_(Institution.name.contains(q), Institution.uscc == q.upper(), Institution.identifier == q.upper()),
        ).order_by(Institution.id).limit(LIMIT)
    ).all()
    return [
        {"id": i.id, "name": i.name, "uscc": i.uscc, "type": i.type, "division": i.division_code, "status": i.status,
         "identifier": i.identifier, "registered_by": i.registered_by, "address": i.address, "legal_rep": i.legal_rep,
         "principal": i.principal, "phone": i.phone, "mobile": getattr(i, "mobile", "")}
        for i in rows
    ]


def registrations(session: Session, prefix: str, q: str) -> list[dict]:
    found = []
    models: list[tuple[str, Any]] = [
        ("physician", PhysicianRegistration), ("nurse", NurseRegistration)]
    for profession, model in models:
        rows = session.execute(
            select(model, Person.name, Institution.name)
            .join(Person, Person.id == model.person_id).join(Institution, Institution.id == model.institution_id)
            .where(Institution.division_code.like(f"{prefix}%"), or_(Person.name.contains(q), model.identifier == q.upper()))
            .order_by(model.id).limit(LIMIT)
        ).all()
        found += [
            {"profession": profession, "id": entry.id, "identifier": entry.identifier, "name": name, "status": entry.status,
             "institution": institution, "commission": entry.commission_code, "registered_on": entry.registered_on.isoformat()}
            for entry, name, institution in rows
        ]
    return found


def applications(session: Session, prefix: str, q: str) -> list[dict]:
    matches = [Application.identifier == q.upper(), Person.name.contains(q)]
    number = q.removeprefix("#")
    if is_count(number):
        matches.append(Application.id == int(number))
    rows = session.execute(
        select(Application, Person.name).outerjoin(Person, Person.id == Application.person_id)
        .where(Application.commission_code.like(f"{prefix}%"), or_(*matches)).order_by(Application.id.desc()).limit(LIMIT)
    ).all()
    return [
        {"id": a.id, "kind": a.kind, "kind_label": KINDS[a.kind].label if a.kind in KINDS else a.kind, "status": a.status,
         "applicant": name, "commission": a.commission_code, "identifier": a.identifier,
         "submitted_at": a.submitted_at.isoformat()}
        for a, name in rows
    ]
