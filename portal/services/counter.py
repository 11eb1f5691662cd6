"""Counter business 窗口业务: commission staff enter an application at the counter; it is approved on entry and
then takes the usual identifier and publication steps.

Each counter kind registers an `Entry` handler in COUNTER_HANDLERS: it checks the cleaned data against the
registers and says whom the application is about and at which institution.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Application, Institution, NurseExamRecord, Person
from models.audit import audit
from models.crypto import lookup_hash
from models.outbox import enqueue
from models.settings import Settings
from pipeline.kinds import get_kind
from pipeline.lifecycle import initial_status
from pipeline.routing import in_jurisdiction
from pipeline.schemas import clean_application
from pipeline.verification import institution_reasons
from portal.errors import Refused, conflict, invalid
from portal.services.accounts import actor_label
from portal.services.applications import ISSUE, refuse_open_duplicate
from portal.services.physician_counter import PHYSICIAN_COUNTER_HANDLERS
from workers import facts
from workers.nurses import counter_person, nurse_entry


@dataclass(frozen=True)
class Entry:
    person_id: int | None
    institution_id: int | None
    data: dict  # what the application keeps (an ID number is never kept in clear)


Handler = Callable[[Session, Settings, Account, dict], Entry]


def counter_institution(session: Session, account: Account, institution_id: int) -> Institution:
    """The institution named at the counter: in the staff's jurisdiction, operating, holding an identifier."""
    institution = session.get(Institution, institution_id)
    if institution is None or not in_jurisdiction(account.division_code, institution.division_code):
        raise invalid({"institution_id": "执业机构不存在或不在本卫健委辖区内"})
    reasons = institution_reasons(facts.institution_facts(session, institution_id))
    if reasons:
        raise invalid({"institution_id": "；".join(reasons)})
    return institution


def nurse_pre2008_first_registration(session: Session, settings: Settings, account: Account, clean: dict) -> Entry:
    institution = counter_institution(session, account, clean["institution_id"])
    id_hash = lookup_hash(settings.secret, clean["id_number"])
    person = session.scalar(select(Person).where(Person.id_number_hash == id_hash))
    if person is not None:
        if person.profession != "nurse":
            raise invalid({"id_number": "该证件号码已登记为医师，不能办理护士注册"})
        if person.name != clean["name"]:
            raise invalid({"name": "姓名与该证件号码已登记的姓名不一致"})
        if nurse_entry(session, person.id) is not None:
            raise conflict("该护士已有注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）")
    exam = session.get(NurseExamRecord, clean["certificate_no"])
    if exam is not None and (exam.id_number_hash != id_hash or exam.name != clean["name"]):
        raise invalid({"certificate_no": "该编号的考试合格记录属于他人"})
    if exam is not None and exam.passed_year != clean["passed_year"]:
        raise invalid({"passed_year": f"与考试合格记录不一致（记录为{exam.passed_year}年）"})
    person = person or counter_person(session, settings, clean)
    kept = {key: value for key, value in clean.items() if key != "id_number"}
    return Entry(person.id, institution.id, kept)


COUNTER_HANDLERS: dict[str, Handler] = {
    "nurse.pre2008_first_registration": nurse_pre2008_first_registration,
}
COUNTER_HANDLERS.update(PHYSICIAN_COUNTER_HANDLERS)


def counter_submit(session: Session, settings: Settings, account: Account, kind_name: object, data: object) -> Application:
    """Enter counter business as approved and queue its identifier; refused with a reason, changing nothing."""
    if not isinstance(kind_name, str) or not kind_name:
        raise invalid({"kind": "必填"})
    kind = get_kind(kind_name)
    if account.role != "commission":
        raise Refused(403, "forbidden", "窗口业务只能由卫健委工作人员录入")
    handler = COUNTER_HANDLERS.get(kind_name)
    if not kind.counter or handler is None:
        raise invalid({"kind": f"“{kind.label}”不是可在窗口录入的业务"})
    entry = handler(session, settings, account, clean_application(kind_name, data))
    application = Application(
        kind=kind_name, status=initial_status(kind_name), applicant_account_id=account.id, person_id=entry.person_id,
        institution_id=entry.institution_id, commission_code=account.division_code, data=entry.data,
    )
    refuse_open_duplicate(session, application)
    session.add(application)
    application.record(actor_label(session, account), None, application.status, "窗口录入，录入即批准")
    session.flush()
    enqueue(session, ISSUE, application_id=application.id)
    audit(session, f"account:{account.id}", "counter", f"application:{application.id}", account.division_code, kind=kind_name)
    return application
