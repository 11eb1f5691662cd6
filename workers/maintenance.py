"""Periodic safety net (celery beat): offer stuck applications again, start the delivery backlog's lanes while deliveries
are due (publisher/backlog.py: retries, imports, replays), prune the outbox."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.orm import Session

from models import Application, OutboxMessage
from models.base import utcnow
from models.db import session_scope
from models.outbox import enqueue
from models.settings import Settings
from pipeline.lifecycle import Status
from publisher import backlog
from workers.app import app, settings_of
from workers.relay import relay_once

STUCK_AFTER = timedelta(minutes=2)
KEEP_SENT_OUTBOX = timedelta(days=1)
PRUNE_ROWS = 50_000

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


def prune_outbox(session: Session) -> int:
    """Delete up to PRUNE_ROWS sent rows older than a day: a national import's millions go over many sweeps, each a
    short transaction, not one that holds them all."""
    old = (select(OutboxMessage.id).where(OutboxMessage.sent_at < utcnow() - KEEP_SENT_OUTBOX)
           .order_by(OutboxMessage.sent_at).limit(PRUNE_ROWS))
    pruned = session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(old.scalar_subquery())))
    return cast(CursorResult[Any], pruned).rowcount


def sweep_once(settings: Settings) -> dict[str, int]:
    with session_scope(settings.database_url) as session:
        result = {"applications": requeue_stuck_applications(session), "pruned": prune_outbox(session)}
    # Its own transaction: the lanes' rows stay locked only as long as starting them takes.
    with session_scope(settings.database_url) as session:
        result["delivery_lanes"] = backlog.start(session.connection())
    return result


@app.task(name="workers.maintenance.sweep", bind=True)
def sweep(self, items: list[dict] | None = None) -> dict[str, int]:
    settings = settings_of(self.app)
    result = sweep_once(settings)
    # The relay's safety net: if no `medreg relay` runs, beat still moves the outbox every sweep.
    result["relayed"] = relay_once(self.app, settings)
    return result
