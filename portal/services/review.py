"""The review of one application, as the institution's task page and the commission's item page show it (and the
applicant's own page, less the identity): who it is about, with the ID number masked; their qualification or exam
record; what the approval would change in the register entry; the institution; the photo; the attachments and
the materials still missing. An ID number is shown in full only through `reveal_id_number`, which writes an audit
entry saying who saw whose number."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import Account, Application, Commission, Institution, Person
from models.attachments import attachments_of
from models.audit import audit
from models.crypto import decrypt
from models.review import entry_state, photo_data_url, record_of
from pipeline import materials
from pipeline import review as rules
from pipeline.kinds import KINDS
from pipeline.lifecycle import OPEN_STATUSES, Status
from pipeline.registers.institutions import STATUS_LABELS as INSTITUTION_STATUS_LABELS
from portal.errors import not_found
from portal.services import documents
from portal.services.applications import visible_application

STAFF = ("institution", "commission")
# Statuses in which the register entry is not yet changed, so the before/after table says what a decision would do.
UNDECIDED = frozenset(OPEN_STATUSES - {Status.approved, Status.issued})


def institution_ids(application: Application) -> set[int]:
    ids = {application.institution_id} if application.institution_id else set()
    for name, value in (application.data or {}).items():
        spec = rules.ANY_SPEC.get(name)
        if spec is not None and spec.widget.name == "institution" and isinstance(value, int):
            ids.add(value)
    return ids


def names_of(session: Session, ids: set[int]) -> dict[int, str]:
    return {i: institution.name for i in ids if (institution := session.get(Institution, i)) is not None}


def identity(person: Person | None) -> dict[str, Any] | None:
    """The person's identity as a page shows it: the ID number masked."""
    if person is None:
        return None
    return {"person_id": person.id, "name": person.name, "sex": person.sex, "birth_date": person.birth_date.isoformat(),
            "id_type": rules.id_type_label(person.id_type), "id_number_masked": None,
            # A resident ID's masked eight digits are the birth date: the two side by side are the whole number.
            "birth_in_number": person.id_type == "resident_id"}


def commission_name(session: Session, code: str | None) -> str | None:
    if not code:
        return None
    commission = session.get(Commission, code)
    return commission.name if commission else "卫生健康委"


def review(session: Session, settings, application: Application) -> dict[str, Any]:
    """Everything the review pages show about `application` (the caller has checked it may see it)."""
    kind = KINDS.get(application.kind)
    person = session.get(Person, application.person_id) if application.person_id else None
    shown = identity(person)
    if shown is not None and person is not None:
        shown["id_number_masked"] = rules.mask_id_number(decrypt(settings.secret, person.id_number_encrypted))
    names = names_of(session, institution_ids(application))
    institution = session.get(Institution, application.institution_id) if application.institution_id else None
    diff: list[rules.Change] | None = None
    if kind is not None and not kind.counter and application.status in UNDECIDED:
        diff = rules.changes(kind, entry_state(session, application), application.data or {}, names)
    files = attachments_of(session, application.id)
    declared = kind.materials if kind else ()
    labels = {material.name: material.label for material in declared}
    return {
        "kind": kind,
        "identity": shown,
        "record": record_of(session, application, person),
        "changes": diff,
        "institution": {"name": institution.name, "status": INSTITUTION_STATUS_LABELS.get(institution.status, "其他状态")}
        if institution else None,
        "photo": photo_data_url(session, application.person_id),
        "data_rows": rules.data_rows(kind, application.data or {}, names),
        "names": names,
        "attachments": [{"id": f.id, "material": labels.get(f.material, "其他材料"), "name": f.name,
                         "type": materials.TYPE_LABELS.get(f.content_type, "文件"), "size": f.size, "at": f.uploaded_at}
                        for f in files],
        "materials": declared,
        "missing": materials.missing(declared, (f.material for f in files)),
        "commission_name": commission_name(session, application.commission_code),
        "decision_ready": documents.decision_available(application),
        "decision_title": "不予注册决定书" if application.status == Status.rejected else "准予注册决定书",
    }


def reveal_id_number(session: Session, settings, account: Account, application_id: int) -> tuple[Application, str]:
    """The full ID number of the person an application is about, for staff who may see the application; writes the
    audit entry `reveal_id_number` (who: the account; whose: the person; which application)."""
    if account.role not in STAFF:
        raise not_found("申请")
    application = visible_application(session, account, application_id)
    person = session.get(Person, application.person_id) if application.person_id else None
    if person is None:
        raise not_found("申请人")
    number = decrypt(settings.secret, person.id_number_encrypted)
    division = account.division_code
    if division is None and account.institution_id is not None:
        own = session.get(Institution, account.institution_id)
        division = own.division_code if own else None
    audit(session, f"account:{account.id}", "reveal_id_number", f"person:{person.id}", division,
          application_id=application.id, name=person.name)
    return application, number
