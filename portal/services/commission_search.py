"""Query 信息查询 at the commission end: persons, institutions, register entries and applications of the
jurisdiction, found by name, ID number, mobile, identifier, credit code or application number.

A list shows ID numbers and mobiles masked (`110105********131X`, `138****0002`) and no birth date (the part of a
resident ID number the mask hides): a full number is shown one person at a time, through an audited reveal — of an
application's page (portal/services/review.py, `reveal_id_number`), or of a person found here (`reveal_person`), for
a person with no application (imported from a legacy register). A person is found the same way in every section
(`person_matches`), so a query by ID number or mobile also lists that person's register entries and applications.

Every section pages through any number of results: `next` holds a cursor per section (null: no more), and
`section` + `cursor` (+ `limit`) fetch that section's next page alone. Keyset cursors: a page at any depth costs
what the first does. Names are matched through the gram index (models/search.py)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, Application, Institution, NurseRegistration, Person, PhysicianRegistration
from models import search as name_index
from models.audit import audit
from models.crypto import decrypt, lookup_hashes
from models.divisions import within
from models.settings import Settings
from pipeline import clock
from pipeline.fields import FieldError
from pipeline.kinds import KINDS
from pipeline.numbers import is_count
from pipeline.persons import mask_mobile, masked, resident_id
from pipeline.review import mask_id_number
from pipeline.routing import jurisdiction_prefix
from portal.errors import invalid, not_found
from portal.services.paging import BAD_CURSOR, page_limit

LIMIT = 50
MAX_LIMIT = 200
MAX_QUERY = 100
SECTIONS = ("persons", "institutions", "registrations", "applications")


def search(session: Session, settings: Settings, account: Account, q: str, params: Mapping[str, str] | None = None) -> dict:
    q = (q or "").strip()
    params = params or {}
    if not q:
        raise invalid({"q": "请输入姓名、证件号码、手机号码、识别码、统一社会信用代码或申请编号"})
    if len(q) > MAX_QUERY:
        raise invalid({"q": f"查询内容过长：最多{MAX_QUERY}个字，现有{len(q)}个"})
    section = (params.get("section") or "").strip()
    if section and section not in SECTIONS:
        raise invalid({"section": "应为 " + "、".join(SECTIONS)})
    cursor = (params.get("cursor") or "").strip()
    if cursor and not section:
        raise invalid({"cursor": "翻页时须同时给出 section"})
    limit = page_limit(params.get("limit"), LIMIT, MAX_LIMIT)
    prefix = jurisdiction_prefix(account.division_code)
    results: dict[str, Any] = {name: [] for name in SECTIONS}
    results["next"] = dict.fromkeys(SECTIONS)
    for name in (section,) if section else SECTIONS:
        finder = {"persons": persons, "institutions": institutions, "registrations": registrations,
                  "applications": applications}[name]
        items, more = finder(session, settings, prefix, q, limit, _cursor(name, cursor) if cursor else None)
        results[name] = items
        results["next"][name] = _next_cursor(name, items) if more else None
    # Every query is audited, never in clear: who searched and for what kind of thing.
    action = "search_by_id_number" if by_id_number(session, settings, prefix, q) else "search"
    audit(session, f"account:{account.id}", action, "persons", account.division_code,
          query=masked_query(q), results=sum(len(results[name]) for name in SECTIONS))
    return results


def by_id_number(session: Session, settings: Settings, prefix: str, q: str) -> bool:
    """Whether a query is an ID number, as far as the jurisdiction tells: a valid resident ID number (by its shape
    alone, found or not), or the ID number of a person of the jurisdiction (a passport or permit number). Never
    whether a person elsewhere holds it: the audit entry a clerk can read back would tell them."""
    try:
        resident_id(q)
        return True
    except FieldError:
        pass
    return session.scalar(select(Person.id).join(Institution, Institution.id == Person.institution_id)
                          .where(*within(Institution.division_code, prefix),
                                 Person.id_number_hash.in_(lookup_hashes(settings.secrets, q))).limit(1)) is not None


def person_matches(session: Session, settings: Settings, q: str) -> list:
    """What finds a person, in every section: part of the name, the ID number (through its keyed hash), the mobile."""
    return [name_index.contains(session, Person.name, q), Person.id_number_hash.in_(lookup_hashes(settings.secrets, q)),
            Person.mobile == q]


def masked_query(q: str) -> str:
    """What an audit entry keeps of a query: enough to recognise it, not an ID number or a mobile in clear."""
    return q if len(q) <= 4 else masked(q, 2, 2)


def _cursor(section: str, raw: str) -> tuple[str, int]:
    """persons, institutions: an id (ascending); applications: an id (descending); registrations: profession:id."""
    profession, _, number = raw.rpartition(":") if section == "registrations" else ("", "", raw)
    if not is_count(number) or (section == "registrations" and profession not in ("physician", "nurse")):
        raise invalid({"cursor": BAD_CURSOR})
    return profession, int(number)


def _next_cursor(section: str, items: list[dict]) -> str:
    last = items[-1]
    return f"{last['profession']}:{last['id']}" if section == "registrations" else str(last["id"])


def _page(rows: Sequence, limit: int) -> tuple[list, bool]:
    return list(rows[:limit]), len(rows) > limit


def persons(session: Session, settings: Settings, prefix: str, q: str, limit: int = LIMIT,
            after: tuple[str, int] | None = None) -> tuple[list[dict], bool]:
    query = (select(Person, Institution).join(Institution, Institution.id == Person.institution_id)
             .where(*within(Institution.division_code, prefix), or_(*person_matches(session, settings, q))))
    if after:
        query = query.where(Person.id > after[1])
    rows, more = _page(session.execute(query.order_by(Person.id).limit(limit + 1)).all(), limit)
    return [person_json(settings, person, institution) for person, institution in rows], more


def person_json(settings: Settings, person: Person, institution: Institution) -> dict:
    """A person as a list shows them: the ID number and mobile masked, no birth date (a masked resident ID number and
    the birth date together are the whole number)."""
    try:
        id_number = mask_id_number(decrypt(settings.secrets, person.id_number_encrypted))
    except ValueError:
        id_number = None  # encrypted under another secret: shown as unavailable, never as a 500
    return {
        "id": person.id, "name": person.name, "profession": person.profession, "sex": person.sex,
        "id_type": person.id_type, "id_number": id_number, "mobile": mask_mobile(person.mobile),
        "institution": {"id": institution.id, "name": institution.name},
    }


def reveal_person(session: Session, settings: Settings, account: Account, person_id: int) -> tuple[dict, str]:
    """The full ID number of one person of the jurisdiction (as `persons` finds them: by their institution's division),
    with the person as a list shows them; writes the audit entry `reveal_id_number` as the application's reveal does
    (who: the account; whose: the person), without an application. A person elsewhere is 404, as one who is not."""
    prefix = jurisdiction_prefix(account.division_code)
    row = session.execute(select(Person, Institution).join(Institution, Institution.id == Person.institution_id)
                          .where(Person.id == person_id, *within(Institution.division_code, prefix))).first()
    if row is None:
        raise not_found("人员")
    person, institution = row
    try:
        number = decrypt(settings.secrets, person.id_number_encrypted)
    except ValueError:
        raise invalid({"id_number": "证件号码无法解密（以其他密钥加密），请联系系统运维人员"}) from None
    audit(session, f"account:{account.id}", "reveal_id_number", f"person:{person.id}", account.division_code, name=person.name)
    return person_json(settings, person, institution), number


def institutions(session: Session, settings: Settings, prefix: str, q: str, limit: int = LIMIT,
                 after: tuple[str, int] | None = None) -> tuple[list[dict], bool]:
    query = select(Institution).where(
        *within(Institution.division_code, prefix),
        or_(name_index.contains(session, Institution.name, q), Institution.uscc == q.upper(), Institution.identifier == q.upper()),
    )
    if after:
        query = query.where(Institution.id > after[1])
    rows, more = _page(list(session.scalars(query.order_by(Institution.id).limit(limit + 1))), limit)
    return [
        {"id": i.id, "name": i.name, "uscc": i.uscc, "type": i.type, "division": i.division_code, "status": i.status,
         "identifier": i.identifier, "registered_by": i.registered_by, "address": i.address, "legal_rep": i.legal_rep,
         "principal": i.principal, "phone": i.phone, "mobile": mask_mobile(i.mobile) if i.mobile else ""}
        for i in rows
    ], more


def registrations(session: Session, settings: Settings, prefix: str, q: str, limit: int = LIMIT,
                  after: tuple[str, int] | None = None) -> tuple[list[dict], bool]:
    """Physicians' entries, then nurses', each by id: by the person (`person_matches`) or the entry's identifier."""
    found: list[dict] = []
    models: list[tuple[str, Any]] = [("physician", PhysicianRegistration), ("nurse", NurseRegistration)]
    for rank, (profession, model) in enumerate(models):
        if after and rank < [name for name, _ in models].index(after[0]):
            continue
        query = (select(model, Person.name, Institution.name)
                 .join(Person, Person.id == model.person_id).join(Institution, Institution.id == model.institution_id)
                 .where(*within(Institution.division_code, prefix),
                        or_(*person_matches(session, settings, q), model.identifier == q.upper())))
        if after and after[0] == profession:
            query = query.where(model.id > after[1])
        rows = session.execute(query.order_by(model.id).limit(limit + 1 - len(found))).all()
        found += [
            {"profession": profession, "id": entry.id, "identifier": entry.identifier, "name": name, "status": entry.status,
             "institution": institution, "commission": entry.commission_code, "registered_on": entry.registered_on.isoformat()}
            for entry, name, institution in rows
        ]
        if len(found) > limit:
            break
    return _page(found, limit)


def applications(session: Session, settings: Settings, prefix: str, q: str, limit: int = LIMIT,
                 after: tuple[str, int] | None = None) -> tuple[list[dict], bool]:
    """Newest first: by the applicant (`person_matches`), the identifier or the application's number."""
    matches = [Application.identifier == q.upper(), *person_matches(session, settings, q)]
    number = q.removeprefix("#")
    if is_count(number):
        matches.append(Application.id == int(number))
    query = (select(Application, Person.name).outerjoin(Person, Person.id == Application.person_id)
             .where(*within(Application.commission_code, prefix), or_(*matches)))
    if after:
        query = query.where(Application.id < after[1])
    rows, more = _page(session.execute(query.order_by(Application.id.desc()).limit(limit + 1)).all(), limit)
    return [
        {"id": a.id, "kind": a.kind, "kind_label": KINDS[a.kind].label if a.kind in KINDS else a.kind, "status": a.status,
         "applicant": name, "commission": a.commission_code, "identifier": a.identifier,
         "submitted_at": clock.iso(a.submitted_at)}
        for a, name in rows
    ], more
