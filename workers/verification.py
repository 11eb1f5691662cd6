"""The `verify` stage: check a submitted application against the reference data."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Account, Application, Person
from models.outbox import enqueue
from pipeline.lifecycle import Actor, Status, after_verification
from pipeline.verification import verify_physician_first_registration
from workers import facts
from workers.app import app, settings_of
from workers.batches import for_each_application
from workers.nurses import NURSE_KINDS_VERIFIED, reasons_for_nurse
from workers.institution_business import institution_business_reasons_for, is_institution_kind
from workers.physicians import PHYSICIAN_KINDS_VERIFIED, reasons_for_physician

SYSTEM = "核验服务"


def reasons_for(session: Session, application: Application) -> list[str]:
    if application.kind in NURSE_KINDS_VERIFIED:
        return reasons_for_nurse(session, application)
    if is_institution_kind(application.kind):
        return institution_business_reasons_for(session, application)
    if application.kind in PHYSICIAN_KINDS_VERIFIED:
        return reasons_for_physician(session, application)
    if application.kind == "physician.first_registration":
        person = session.get(Person, application.person_id)
        data = application.data
        return verify_physician_first_registration(
            data,
            person=facts.person_facts(person),
            qualification=facts.qualification_facts(session, data["certificate_no"]),
            institution=facts.institution_facts(session, int(data["institution_id"])),
            open_duplicate=facts.has_open_duplicate(session, application),
            already_registered=facts.is_registered_physician(session, application.person_id),
        )
    return [f"业务类型 {application.kind} 暂不能在线核验"]


def verify_application(session: Session, application: Application) -> None:
    application.move_to(Status.verifying, Actor.system, SYSTEM)
    reasons = reasons_for(session, application)
    application.findings = reasons
    if reasons:
        application.move_to(Status.verification_failed, Actor.system, SYSTEM, "；".join(reasons))
        enqueue(session, "workers.notifications.notify", application_id=application.id, event="verification_failed")
    elif after_verification(application.kind, session.get(Account, application.applicant_account_id).role) == Status.awaiting_institution:
        application.move_to(Status.awaiting_institution, Actor.system, SYSTEM, "核验通过，待机构确认")
        enqueue(session, "workers.notifications.notify", application_id=application.id, event="awaiting_institution")
    else:
        application.move_to(Status.pending_approval, Actor.system, SYSTEM, "核验通过")
        enqueue(session, "workers.routing.route", application_id=application.id)


@app.task(name="workers.verification.verify", bind=True)
def verify(self, items: list[dict]) -> int:
    return for_each_application(
        settings_of(self.app), items, {Status.submitted}, verify_application, claim=Application.status == Status.submitted
    )
