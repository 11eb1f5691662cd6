"""Periodic safety net (celery beat): offer stuck applications and due deliveries again, prune the outbox."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import Application, Delivery, OutboxMessage
from models.base import utcnow
from models.db import session_scope
from models.outbox import enqueue
from models.settings import Settings
from pipeline.lifecycle import Status
from workers.app import app, settings_of
from workers.relay import relay_once

STUCK_AFTER = timedelta(minutes=2)
DELIVERY_LEASE = timedelta(minutes=5)
KEEP_SENT_OUTBOX = timedelta(days=1)

NEXT_TASK = {
    Status.submitted: "workers.verification.verify",
    Status.pending_approval: "workers.routing.route",
    Status.approved: "workers.identifiers.issue",
    Status.issued: "workers.publication.publish",
}


def requeue_stuck_applications(session: Session) -> int:
    cutoff = utcnow() - STUCK_AFTER
    stuck = session.scalars(
        select(Application)
        .where(
            Application.updated_at < cutoff,
            Application.status.in_([str(s) for s in NEXT_TASK]),
            or_(Application.status != Status.pending_approval, Application.commission_code.is_(None)),
        )
        .limit(1000)
    ).all()
    for application in stuck:
        enqueue(session, NEXT_TASK[Status(application.status)], application_id=application.id)
        application.updated_at = utcnow()
    return len(stuck)


def requeue_due_deliveries(session: Session) -> int:
    now = utcnow()
    due = session.scalars(
        select(Delivery).where(Delivery.status.in_(["pending", "retrying"]), Delivery.next_attempt_at <= now).limit(1000)
    ).all()
    for delivery in due:
        delivery.next_attempt_at = now + DELIVERY_LEASE
        enqueue(session, "workers.publication.deliver", delivery_id=delivery.id)
    return len(due)


def prune_outbox(session: Session) -> None:
    session.execute(delete(OutboxMessage).where(OutboxMessage.sent_at < utcnow() - KEEP_SENT_OUTBOX))


def sweep_once(settings: Settings) -> dict[str, int]:
    with session_scope(settings.database_url) as session:
        result = {"applications": requeue_stuck_applications(session), "deliveries": requeue_due_deliveries(session)}
        prune_outbox(session)
    return result


@app.task(name="workers.maintenance.sweep", bind=True)
def sweep(self, items: list[dict] | None = None) -> dict[str, int]:
    settings = settings_of(self.app)
    result = sweep_once(settings)
    # The relay's safety net: if no `medreg relay` runs, beat still moves the outbox every sweep.
    result["relayed"] = relay_once(self.app, settings)
    return result
