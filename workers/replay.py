"""Sending deliveries again by hand (`medreg publish replay`): the parked ones, or chosen ones by id.

A replayed delivery starts a fresh series of attempts; the receiver keeps the highest version of a
record, so sending an old version again can never undo a newer one.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Delivery
from models.base import utcnow
from models.outbox import enqueue
from workers.publication import FIRST_ATTEMPT_LEASE


class UnknownDeliveries(LookupError):
    def __init__(self, ids: list[int]) -> None:
        super().__init__(f"没有这些推送记录：{'、'.join(map(str, ids))}")
        self.ids = ids


def replay(session: Session, ids: Sequence[int] = (), parked: bool = False) -> list[int]:
    """Queue the deliveries again (in one transaction with their outbox rows); the ids replayed, in order."""
    query = select(Delivery).with_for_update()
    chosen: list[Delivery] = []
    if ids:
        chosen += session.scalars(query.where(Delivery.id.in_(list(ids)))).all()
        missing = sorted(set(ids) - {d.id for d in chosen})
        if missing:
            raise UnknownDeliveries(missing)
    if parked:
        chosen += session.scalars(query.where(Delivery.status == "parked")).all()
    replayed = []
    for delivery in sorted({d.id: d for d in chosen}.values(), key=lambda d: d.id):
        delivery.status, delivery.attempts = "pending", 0
        delivery.next_attempt_at = utcnow() + FIRST_ATTEMPT_LEASE
        delivery.delivered_at = None
        enqueue(session, "workers.publication.deliver", delivery_id=delivery.id)
        replayed.append(delivery.id)
    return replayed
