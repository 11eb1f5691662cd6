"""What the deployment's database says about the work in flight, for /metrics and `medreg status` (docs/operations.md):
outbox rows waiting for the relay and the age of the oldest, applications waiting per status, disclosure deliveries
waiting, retrying or parked (paused until `medreg publish replay`), and when beat last refreshed the statistics
summaries. A handful of small queries on indexed columns: cheap enough for every scrape. Counts only, never a
person's data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from models.alerts import WebhookDelivery
from models.applications import Application
from models.base import as_utc, utcnow
from models.outbox import OutboxMessage
from models.public import Delivery
from models.summaries import SummaryRefresh
from pipeline.lifecycle import Status

# Statuses in which an application waits for the system or a person to act (drafts wait for nobody; the final
# statuses for nothing). The index ix_applications_status_id answers each count.
WAITING_STATUSES: tuple[str, ...] = (
    Status.submitted, Status.verifying, Status.awaiting_institution, Status.pending_approval, Status.approved, Status.issued,
)
DELIVERY_STATUSES: tuple[str, ...] = ("pending", "retrying", "parked")


@dataclass
class Snapshot:
    outbox_waiting: int = 0
    outbox_oldest_at: datetime | None = None
    applications: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    webhook_deliveries: dict[str, int] = field(default_factory=dict)
    summaries: dict[str, datetime] = field(default_factory=dict)

    def outbox_oldest_seconds(self, now: datetime | None = None) -> float:
        if self.outbox_oldest_at is None:
            return 0.0
        return max(0.0, ((now or utcnow()) - as_utc(self.outbox_oldest_at)).total_seconds())


def snapshot(connection: Connection) -> Snapshot:
    found = Snapshot()
    unsent = OutboxMessage.sent_at.is_(None)
    found.outbox_waiting = connection.scalar(select(func.count()).select_from(OutboxMessage).where(unsent)) or 0
    found.outbox_oldest_at = connection.scalar(
        select(OutboxMessage.created_at).where(unsent).order_by(OutboxMessage.id).limit(1))
    counts = connection.execute(
        select(Application.status, func.count()).where(Application.status.in_(WAITING_STATUSES)).group_by(Application.status))
    found.applications = {str(status): 0 for status in WAITING_STATUSES} | dict(counts.all())
    counts = connection.execute(
        select(Delivery.status, func.count()).where(Delivery.status.in_(DELIVERY_STATUSES)).group_by(Delivery.status))
    found.deliveries = dict.fromkeys(DELIVERY_STATUSES, 0) | dict(counts.all())
    counts = connection.execute(
        select(WebhookDelivery.status, func.count()).where(WebhookDelivery.status.in_(DELIVERY_STATUSES))
        .group_by(WebhookDelivery.status))
    found.webhook_deliveries = dict.fromkeys(DELIVERY_STATUSES, 0) | dict(counts.all())
    found.summaries = dict(connection.execute(select(SummaryRefresh.name, SummaryRefresh.refreshed_at)).all())
    return found


# The statuses beat's sweeper re-offers when an application has sat in one for two minutes (workers/maintenance.py),
# bumping its updated_at as it does. One that has sat longer than this was not re-offered: no sweep runs.
SWEPT_STATUSES: tuple[str, ...] = (Status.submitted, Status.pending_approval, Status.approved, Status.issued)
UNSWEPT_AFTER = timedelta(minutes=5)


def unswept_applications(connection: Connection, now: datetime | None = None) -> tuple[int, datetime | None]:
    """How many applications wait in a swept status past UNSWEPT_AFTER without being re-offered, and since when."""
    cutoff = (now or utcnow()) - UNSWEPT_AFTER
    count, oldest = connection.execute(
        select(func.count(), func.min(Application.updated_at)).where(
            Application.status.in_(SWEPT_STATUSES), Application.updated_at < cutoff,
            or_(Application.status != Status.pending_approval, Application.commission_code.is_(None)))).one()
    return int(count or 0), oldest
