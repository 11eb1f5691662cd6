"""The `route` stage: hand a confirmed application to the commission with jurisdiction."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Application, Commission
from models.audit import audit
from models.registers.institutions import institution_facts
from pipeline.lifecycle import Status
from pipeline.routing import approving_commission
from workers.app import app, settings_of
from workers.batches import for_each_application


def route_application(session: Session, application: Application) -> None:
    if application.commission_code is not None:
        return
    institution = institution_facts(session, application.institution_id)
    assert institution is not None, "verification found the institution"
    code = approving_commission(application.kind, institution)
    commission = session.get(Commission, code)
    application.commission_code = code
    label = commission.name if commission else code
    application.record("分派服务", application.status, application.status, f"已分派至{label}审批")
    audit(session, "system:分派服务", "system_routed", f"application:{application.id}", code)


@app.task(name="workers.routing.route", bind=True)
def route(self, items: list[dict]) -> int:
    waiting = (Application.status == Status.pending_approval) & Application.commission_code.is_(None)
    return for_each_application(settings_of(self.app), items, {Status.pending_approval}, route_application, claim=waiting)
