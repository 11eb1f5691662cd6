"""The delivery backlog: deliveries that wait in the table, not in the broker, and lanes of messages that drain them.

A registration's delivery is queued as a message of its own (publisher/disclosure.py, publish_version): it goes
out at once. A national import makes about twenty million deliveries at a time, and `medreg publish replay
--parked` can make as many. Queued as a message each, they would stand in the `publish` queue ahead of every
registration published after them, for hours. So those deliveries are written due now, with no message, and
LANES lanes drain them:

- A lane is a chain of messages (`workers.publication.deliver` with a ticket item `{"lane", "generation",
  "step"}`). Each message takes the lane's next step, claims the next PORTION due deliveries (a lease, so no
  other lane takes them), queues the lane's next message in the same transaction, and then pushes what it
  claimed. The queue so never holds more than LANES backlog messages, wherever the backlog stands; a
  registration's publish and delivery wait behind at most that many, while every free worker pushes the backlog.
- A lane ends when a step finds less than a full portion due. `start` (run by beat's sweep every few seconds and
  at the end of every import) restarts ended lanes while deliveries are due, and restarts as a new generation a
  lane whose messages stopped coming (a lost message, a broker reset): the old generation's messages, if they
  ever arrive, find their step taken and do nothing, as does a message delivered twice.
- A delivery claimed by a message whose worker died is due again when its lease runs out; the receiver keeps
  the highest version of a record, so a push made twice changes nothing there.

Retries of failed deliveries (at their back-off time) are drained the same way.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, or_, select, update

from models import Delivery, DeliveryLane, OutboxMessage
from models.base import utcnow
from models.db import insert_for, session_scope
from models.settings import Settings
from publisher.disclosure import DELIVER, deliver_many

LANES = 2
PORTION = 50
# A claimed portion is due again after this: longer than pushing PORTION deliveries to a site that times out.
CLAIM_LEASE = timedelta(minutes=5)
# A running lane that has taken no step for this long has lost its message and is started again.
STALE = timedelta(minutes=2)
DUE_STATUSES = ("pending", "retrying")

lanes = cast(Table, DeliveryLane.__table__)
deliveries = cast(Table, Delivery.__table__)


def _due(connection: Connection, now: datetime, limit: int, claim: bool) -> list[int]:
    """Up to `limit` due deliveries, oldest due first. Read one status at a time in (status, next_attempt_at)
    order, so the read is a range of ix_deliveries_due however many deliveries are delivered or due."""
    ids: list[int] = []
    for status in DUE_STATUSES:
        if len(ids) >= limit:
            break
        query = (select(deliveries.c.id).where(deliveries.c.status == status, deliveries.c.next_attempt_at <= now)
                 .order_by(deliveries.c.next_attempt_at).limit(limit - len(ids)))
        if claim:
            query = query.with_for_update(skip_locked=True)
        ids += connection.scalars(query).all()
    if claim and ids:
        connection.execute(update(deliveries).where(deliveries.c.id.in_(ids)).values(next_attempt_at=now + CLAIM_LEASE))
    return ids


def _ticket(connection: Connection, lane: int, generation: int, step: int, now: datetime) -> None:
    connection.execute(cast(Table, OutboxMessage.__table__).insert().values(
        task=DELIVER, payload={"lane": lane, "generation": generation, "step": step}, created_at=now))


def start(connection: Connection, now: datetime | None = None) -> int:
    """Start every lane that is not running (or has stopped beating) if any delivery is due; how many were started.
    Runs in the caller's transaction, with the tickets' outbox rows."""
    now = now or utcnow()
    if not _due(connection, now, 1, claim=False):
        return 0
    insert = insert_for(connection, lanes)
    connection.execute(insert.on_conflict_do_nothing(index_elements=["lane"]),
                       [{"lane": lane, "generation": 0, "step": 0, "running": False, "beat_at": now} for lane in range(LANES)])
    idle = connection.execute(
        select(lanes.c.lane, lanes.c.generation).where(or_(~lanes.c.running, lanes.c.beat_at < now - STALE))
        .order_by(lanes.c.lane).with_for_update(skip_locked=True)).all()
    for lane, generation in idle:
        connection.execute(update(lanes).where(lanes.c.lane == lane)
                           .values(generation=generation + 1, step=0, running=True, beat_at=now))
        _ticket(connection, lane, generation + 1, 0, now)
    return len(idle)


def take_step(connection: Connection, ticket: dict[str, Any], now: datetime | None = None) -> list[int]:
    """The deliveries this ticket's step claims (none if the step was already taken, or the lane restarted since),
    with the lane's next ticket queued when the portion was full. Runs in the caller's transaction."""
    now = now or utcnow()
    lane, generation, step = (int(ticket[key]) for key in ("lane", "generation", "step"))
    taken = connection.execute(
        update(lanes).where(lanes.c.lane == lane, lanes.c.generation == generation, lanes.c.step == step, lanes.c.running)
        .values(step=step + 1, beat_at=now)).rowcount
    if not taken:
        return []
    claimed = _due(connection, now, PORTION, claim=True)
    if len(claimed) == PORTION:
        _ticket(connection, lane, generation, step + 1, now)
    else:
        connection.execute(update(lanes).where(lanes.c.lane == lane).values(running=False))
    return claimed


def drain(settings: Settings, ticket: dict[str, Any]) -> int:
    """One backlog message: take the step in one transaction, push what it claimed (outside any), record the
    results; how many were delivered."""
    with session_scope(settings.database_url) as session:
        claimed = take_step(session.connection(), ticket)
    return deliver_many(settings, claimed) if claimed else 0


def replay_parked(connection: Connection, now: datetime | None = None) -> int:
    """Every parked delivery due again now, a fresh series of attempts, with the lanes started to push them (`medreg
    publish replay --parked`, once the site is fixed); how many. One statement: a site that was down through a
    national import has millions parked."""
    now = now or utcnow()
    replayed = connection.execute(update(deliveries).where(deliveries.c.status == "parked").values(
        status="pending", attempts=0, next_attempt_at=now, delivered_at=None)).rowcount
    start(connection, now)
    return replayed


def is_ticket(item: dict[str, Any]) -> bool:
    return "lane" in item


__all__ = ["CLAIM_LEASE", "LANES", "PORTION", "STALE", "drain", "is_ticket", "replay_parked", "start", "take_step"]
