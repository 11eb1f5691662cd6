"""The `verify` stage: check a submitted application against the registers and the reference data.

Which rule, over which facts, is the kind's business (pipeline/kinds/, models/facts.py); this stage only
records the outcome and sends the application on.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Account, Application
from models.facts import reasons_for
from models.outbox import enqueue
from models.settings import Settings
from pipeline.lifecycle import Actor, Status, after_verification
from workers.app import app, retried, settings_of
from workers.batches import for_each_application

SYSTEM = "核验服务"


def verify_application(session: Session, application: Application, settings: Settings) -> None:
    application.move_to(Status.verifying, Actor.system, SYSTEM)
    reasons = reasons_for(session, application, settings)
    application.findings = reasons
    applicant = session.get(Account, application.applicant_account_id)
    if reasons:
        application.move_to(Status.verification_failed, Actor.system, SYSTEM, "；".join(reasons))
        enqueue(session, "workers.notifications.notify", application_id=application.id, event="verification_failed")
    elif after_verification(application.kind, applicant.role if applicant else Actor.person) == Status.awaiting_institution:
        application.move_to(Status.awaiting_institution, Actor.system, SYSTEM, "核验通过，待机构确认")
        enqueue(session, "workers.notifications.notify", application_id=application.id, event="awaiting_institution")
    else:
        application.move_to(Status.pending_approval, Actor.system, SYSTEM, "核验通过")
        enqueue(session, "workers.routing.route", application_id=application.id)


@app.task(name="workers.verification.verify", bind=True)
@retried
def verify(self, items: list[dict]) -> int:
    settings = settings_of(self.app)
    return for_each_application(
        settings, items, {Status.submitted}, lambda session, application: verify_application(session, application, settings),
        claim=Application.status == Status.submitted,
    )
