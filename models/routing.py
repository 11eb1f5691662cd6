"""Routing a confirmed application to the commission with jurisdiction — the `route` stage's one operation, kept
below both adapters: the worker runs it for every application that reaches `pending_approval`, and the commission's
decision runs it on the spot when the worker has not got to it yet (so an approver never meets a 404 for an
application the applicant already sees waiting for approval). Idempotent: a routed application is left alone."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models.applications import Application
from models.audit import audit
from models.divisions import Commission
from models.registers.institutions import institution_facts
from pipeline.lifecycle import Status
from pipeline.routing import approving_commission


def commission_for(session: Session, application: Application) -> str | None:
    """The division code of the commission that approves `application` (None if its institution is gone)."""
    institution = institution_facts(session, application.institution_id)
    return approving_commission(application.kind, institution) if institution is not None else None


def route_application(session: Session, application: Application) -> None:
    """Set the approving commission of a `pending_approval` application, with a history row and an audit entry."""
    if application.commission_code is not None or application.status != Status.pending_approval:
        return
    code = commission_for(session, application)
    assert code is not None, "verification found the institution"
    commission = session.get(Commission, code)
    application.commission_code = code
    label = commission.name if commission else code
    application.record("分派服务", application.status, application.status, f"已分派至{label}审批")
    audit(session, "system:分派服务", "system_routed", f"application:{application.id}", code)
