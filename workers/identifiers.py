"""The `issue` stage: the national issuer writes every approved application into its register and gives the
entry its identifier, once."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Application
from models.identifiers import identifier_for
from models.outbox import enqueue
from models.registers import apply_to_register
from pipeline.kinds import KINDS
from pipeline.lifecycle import Actor, Status
from workers.alerts import alert_for_status
from workers.app import app, retried, settings_of
from workers.batches import for_each_application

ISSUER = "国家赋码服务"


def issue_application(session: Session, application: Application) -> None:
    entry = apply_to_register(session, application)
    if entry is None:  # reference data only (a qualification record): no register entry to identify or publish
        application.move_to(Status.issued, Actor.system, ISSUER, "已录入医师资格库，资格记录不赋注册识别码")
        application.move_to(Status.published, Actor.system, ISSUER, "资格记录已生效，可用于注册核验")
        return
    if entry.identifier is None:
        approver = application.commission_code  # routed before approval; counter business is entered by its commission
        if approver is None:
            raise LookupError(f"application {application.id} was approved by no commission")
        entry.identifier = identifier_for(session, KINDS[application.kind].profession, entry.id, approver)
    application.identifier = entry.identifier
    # Every approval that changes a staff registration tells its institution (inbox, and its webhook if any).
    alert_for_status(session, entry)
    application.move_to(Status.issued, Actor.system, ISSUER, f"电子化注册识别码 {entry.identifier}")
    enqueue(session, "workers.publication.publish", application_id=application.id)


@app.task(name="workers.identifiers.issue", bind=True)
@retried
def issue(self, items: list[dict]) -> int:
    return for_each_application(
        settings_of(self.app), items, {Status.approved}, issue_application, claim=Application.status == Status.approved
    )
