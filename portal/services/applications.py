"""Where a person, an institution or a commission moves an application (the workers move the rest)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Application, Institution, Person, PhysicianRegistration
from models.accounts import credential_line
from models.audit import audit
from models.db import must_get
from models.outbox import enqueue
from models.routing import commission_for, route_application
from models.submission import VERIFY, actor_label, subject_of, submit
from pipeline import clock
from pipeline.applications import decision_comment
from pipeline.fields import FieldError
from pipeline.kinds import get_kind
from pipeline.lifecycle import Actor, Status
from pipeline.routing import jurisdiction_prefix
from portal.errors import Refused, conflict, invalid, not_found
from portal.services import physicians
from portal.services.paging import by_id
from portal.services.practice_records import assessments_of_person, nurse_registration_json, profile_json

__all__ = ["submit"]  # the one way an application is submitted (models.submission), for views that import it here
ROUTE = "workers.routing.route"
ISSUE = "workers.identifiers.issue"
NOTIFY = "workers.notifications.notify"


def own_application(session: Session, account: Account, application_id: int, lock: bool = False) -> Application:
    """An application the account submitted (or, for a person, one about them)."""
    application = session.get(Application, application_id, with_for_update=lock)
    if application is None or not is_own(account, application):
        raise not_found("申请")
    return application


def is_own(account: Account, application: Application) -> bool:
    if account.role == "person":
        return application.person_id == account.person_id
    if account.role == "institution":
        return application.applicant_account_id == account.id or (
            application.institution_id == account.institution_id and get_kind(application.kind).submitted_by == "institution"
        )
    return False


def visible_application(session: Session, account: Account, application_id: int, lock: bool = False) -> Application:
    """An application the account may see: its own, its institution's staff's, or its jurisdiction's (for a
    commission, also one its institution confirmed a moment ago that the route stage has not routed yet)."""
    application = session.get(Application, application_id, with_for_update=lock)
    if application is None or not (can_see(account, application) or routed_here_next(session, account, application)):
        raise not_found("申请")
    return application


def routed_here_next(session: Session, account: Account, application: Application) -> bool:
    """Whether an application waiting for the route stage will be routed into the commission's jurisdiction."""
    if account.role != "commission" or application.status != Status.pending_approval or application.commission_code:
        return False
    code = commission_for(session, application)
    return code is not None and code.startswith(jurisdiction_prefix(account.division_code))


def can_see(account: Account, application: Application) -> bool:
    if account.role == "institution" and application.institution_id == account.institution_id:
        return application.status != Status.submitted or is_own(account, application)
    if account.role == "commission":
        return application.commission_code is not None and application.commission_code.startswith(
            jurisdiction_prefix(account.division_code)
        )
    return is_own(account, application)


OWN_MOST = 500  # the API's default and most a page (the list once stopped at the newest 500, saying nothing)


def _own(account: Account) -> Any:
    """The applications the account filed itself (a person's: every one about them)."""
    return (Application.person_id == account.person_id if account.role == "person"
            else Application.applicant_account_id == account.id)


def list_own(session: Session, account: Account) -> list[Application]:
    """The newest OWN_MOST of the account's own applications (the personal end's home page)."""
    return own_applications(session, account)[0]


def own_applications(session: Session, account: Account, cursor: str = "", limit: int = OWN_MOST,
                     page: int = 1) -> tuple[list[Application], str | None]:
    """One page of the account's own applications, newest first, after `cursor` (the `next` of the page before),
    else page `page` by offset: (applications, next)."""
    return by_id(session, select(Application).where(_own(account)), Application.id, cursor, limit, page,
                 descending=True, scalars=True)


def filed_by(account: Account, application: Application) -> bool:
    """The party that filed the application: its own account, or for an institution's filing, the institution."""
    if application.applicant_account_id == account.id:
        return True
    return account.role == "institution" and application.person_id is None and application.institution_id == account.institution_id \
        and get_kind(application.kind).submitted_by == "institution"


def filed_application(session: Session, account: Account, application_id: int, refusal: str) -> Application:
    """The application, locked, if the account filed it: 404 when the account cannot see it at all (as for reading
    it), 403 with `refusal` when it can see it but someone else filed it."""
    application = visible_application(session, account, application_id, lock=True)
    if not filed_by(account, application):
        raise Refused(403, "forbidden", refusal)
    return application


def withdraw(session: Session, account: Account, application_id: int, comment: object = "") -> Application:
    """Only the party that filed an application withdraws it (a nurse cannot withdraw the cancellation her institution
    filed about her); anyone else who can see it gets 403. The 说明 is checked like a decision's comment."""
    application = filed_application(session, account, application_id, "只有提交该申请的一方可以撤回")
    comment = checked_comment(comment, "说明")
    audit(session, f"account:{account.id}", "withdraw", f"application:{application.id}", application.commission_code)
    application.move_to(Status.withdrawn, account.role, actor_label(session, account), comment or "申请人撤回")
    return application


def resubmit(session: Session, account: Account, application_id: int, data: object) -> Application:
    """Only the party that filed a returned application resubmits it; anyone else who can see it gets 403."""
    application = filed_application(session, account, application_id, "只有提交该申请的一方可以修改后重新提交")
    if application.status != Status.returned:
        raise conflict("只有被退回的申请可以修改后重新提交")
    kind = get_kind(application.kind)
    clean = kind.clean(data)
    # The same checks as a first submission: who it is about may not change (an approval changes the person the
    # application holds, so naming another would show the approver one person and change another).
    person_id, institution_id = subject_of(session, account, kind, clean)
    if person_id != application.person_id:
        raise invalid({"identifier": "重新提交不能更换申请涉及的人员；为其他人员办理请另行提交申请"}, {"identifier": "mismatch"})
    application.data = clean
    application.institution_id = institution_id
    application.commission_code = None
    application.findings = []
    application.move_to(Status.submitted, account.role, actor_label(session, account), "修改后重新提交")
    enqueue(session, VERIFY, application_id=application.id)
    audit(session, f"account:{account.id}", "resubmit", f"application:{application.id}")
    return application


def checked_comment(comment: object, what: str = "意见") -> str:
    """A decision's comment 意见 (a withdrawal's 说明), stripped, or 400 on `comment` (too long, not text); checked once
    the item is found."""
    try:
        return decision_comment(comment, what)
    except FieldError as error:
        raise invalid({"comment": str(error)}, {"comment": error.code}) from None


def institution_decide(session: Session, account: Account, application_id: int, decision: str, comment: str = "") -> Application:
    application = session.get(Application, application_id, with_for_update=True)
    if application is None or application.institution_id != account.institution_id:
        raise not_found("申请")
    actor = actor_label(session, account)
    comment = checked_comment(comment)
    if decision == "confirm":
        target = Status.approved if not get_kind(application.kind).commission_approves else Status.pending_approval
        application.move_to(target, Actor.institution, actor, comment or "机构确认")
        enqueue(session, ROUTE if target == Status.pending_approval else ISSUE, application_id=application.id)
    elif decision == "return":
        if not comment:
            raise invalid({"comment": "退回时必须填写原因"}, {"comment": "required"})
        application.move_to(Status.returned, Actor.institution, actor, comment)
        enqueue(session, NOTIFY, application_id=application.id, event="returned")
    else:
        raise invalid({"decision": "只能是 confirm 或 return"})
    audit(session, f"account:{account.id}", f"institution_{decision}", f"application:{application.id}")
    return application


def commission_decide(session: Session, account: Account, application_id: int, decision: str, comment: str = "") -> Application:
    application = session.get(Application, application_id, with_for_update=True)
    if application is not None and routed_here_next(session, account, application):
        route_application(session, application)  # the route stage had not got to it; it will find it routed
    if application is None or not can_see(account, application):
        raise not_found("申请")
    if application.commission_code != account.division_code:
        raise Refused(403, "forbidden", "只有受理该申请的卫生健康委可以审批，上级委员会只能查看")
    refuse_both_ends(session, account, application)
    actor = actor_label(session, account)
    comment = checked_comment(comment)
    if decision == "approve":
        application.move_to(Status.approved, Actor.commission, actor, comment or "审批通过")
        enqueue(session, ISSUE, application_id=application.id)
    elif decision in ("reject", "return"):
        if not comment:
            raise invalid({"comment": "不予批准或退回时必须填写原因"}, {"comment": "required"})
        target = Status.rejected if decision == "reject" else Status.returned
        application.move_to(target, Actor.commission, actor, comment)
        enqueue(session, NOTIFY, application_id=application.id, event=str(target))
    else:
        raise invalid({"decision": "只能是 approve、reject 或 return"})
    audit(session, f"account:{account.id}", f"commission_{decision}", f"application:{application.id}", account.division_code)
    return application


def refuse_both_ends(session: Session, account: Account, application: Application) -> None:
    """Separation of duties: nobody decides at the commission what they confirmed or filed as the institution. An
    institution account whose password went to a mobile this commission account chose (models.accounts.Account.
    credentials_by) counts as this account's own — or one an account in its line chose (the administrator who
    created this account, and theirs: models.accounts.credential_line)."""
    institution_ids = {application.institution_id} - {None}
    held = session.scalar(select(Account.id).where(
        Account.role == "institution", Account.institution_id.in_(institution_ids),
        Account.credentials_by.in_(credential_line(session, account))).limit(1))
    if held is not None:
        raise Refused(403, "separation_of_duties",
                      "您（或创建您账号的管理员）曾为该机构账号指定接收密码的手机，不能审批该机构参与确认或提交的申请")


def my_registration(session: Session, account: Account) -> dict:
    """The person's own practice record, with the applications that shaped it."""
    person = must_get(session, Person, account.person_id)
    entry = session.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == person.id))
    record: dict = {"profession": person.profession, "name": person.name, "registration": None, "assessments": []}
    if entry is not None:
        institution = must_get(session, Institution, entry.institution_id)
        record["registration"] = {
            "identifier": entry.identifier,
            "status": entry.status,
            "level": entry.level,
            "qualification_category": entry.category,
            "certificate_no": entry.certificate_no,
            "practice_category": entry.practice_category,
            "practice_scopes": entry.practice_scopes,
            "institution": {"id": institution.id, "name": institution.name},
            "registering_authority": entry.commission_code,
            "registered_on": entry.registered_on.isoformat(),
            **physicians.practice_json(session, entry),
        }
    if person.profession == "nurse":
        record["registration"] = nurse_registration_json(session, person.id)
    record["assessments"] = assessments_of_person(session, person.id)
    record["profile"] = profile_json(session, person.id)
    record["history"] = [
        {"application_id": a.id, "kind": a.kind, "status": a.status, "at": clock.iso(a.updated_at)}
        for a in list_own(session, account)
        if a.status == Status.published
    ]
    return record


def person_names(session: Session, applications: list[Application]) -> dict[int, str]:
    """The names of the persons the applications are about, for lists that show who applied."""
    ids = {a.person_id for a in applications if a.person_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def institution_names(session: Session, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Institution.id, Institution.name).where(Institution.id.in_(ids))).all())
