"""Disclosure 公示: a register entry becomes a new public version, the current public record, and one
delivery per matching channel; deliveries are pushed, retried with back-off, parked, and replayed by hand.

Both process adapters use it: the publish and deliver tasks, the expiry and lapse jobs, `medreg import`,
and `medreg publish replay`.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import Commission, Delivery, Institution, NurseRegistration, PhysicianRegistration, PublicRecord, PublicVersion
from models.audit import audit
from models.base import utcnow
from models.db import session_scope
from models.outbox import enqueue
from models.settings import Channel, Settings
from pipeline import clock
from publisher import egress, fhir
from publisher.allowlist import public_only, unchanged, with_status_since
from publisher.channels import PushResult, channels_for, encode, push
from publisher.records import institution_record, nurse_record, physician_record

MAX_BACKOFF_SECONDS = 3600
# A delivery is pushed at once through the outbox; the sweeper offers it again only if no attempt is recorded by then.
FIRST_ATTEMPT_LEASE = timedelta(minutes=2)
FEED_LOCK = 6_000_006
PUSHERS = 8  # pushes of one message to one channel in flight at once (each channel has its own)
DELIVER = "workers.publication.deliver"


def serialise_publication(session: Session) -> None:
    """Versions get their feed position (id) in commit order: a reader that has seen id N can never later
    find a committed version below N, so following the feed by cursor loses nothing. SQLite already
    serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})


def publish_version(session: Session, settings: Settings, record: dict[str, Any]) -> PublicVersion:
    """Store the version, make it the current public record, and queue a delivery per matching channel."""
    serialise_publication(session)
    previous = session.get(PublicRecord, record["identifier"])
    record = with_status_since(public_only(record), previous.body if previous else None, clock.today())
    version = PublicVersion(identifier=record["identifier"], version=record["version"], division=record["division"], body=record)
    session.add(version)
    current = previous
    if current is None:
        current = PublicRecord(identifier=record["identifier"])
        session.add(current)
    current.kind, current.name, current.division = record["kind"], record["name"], record["division"]
    current.status, current.version, current.body = record["status"], record["version"], record
    current.institution_id = record["institution_id"] if record["kind"] == "institution" else record["institutions"][0]["id"]
    current.uscc = record.get("uscc")
    current.published_at = utcnow()
    session.flush()
    for channel in channels_for(settings.channels, record["division"]):
        queue_delivery(session, version.id, channel.name)
    return version


def queue_delivery(session: Session, version_id: int, channel: str) -> Delivery:
    """A delivery of the version to the channel, pushed at once by a message of its own (its outbox row, in the
    caller's transaction); the sweeper's lanes take it only if no attempt is recorded within FIRST_ATTEMPT_LEASE."""
    delivery = Delivery(version_id=version_id, channel=channel, next_attempt_at=utcnow() + FIRST_ATTEMPT_LEASE)
    session.add(delivery)
    session.flush()
    enqueue(session, DELIVER, delivery_id=delivery.id)
    return delivery


def _institution_record(session: Session, institution: Institution, version: int) -> dict[str, Any]:
    return institution_record(institution, session.get(Commission, institution.registered_by), version)


# Each register's table and how its public record is built.
REGISTERS: dict[str, tuple[type[Any], Callable[[Session, Any, int], dict[str, Any]]]] = {
    "physician": (PhysicianRegistration, physician_record),
    "nurse": (NurseRegistration, nurse_record),
    "institution": (Institution, _institution_record),
}


def publish_entry(session: Session, settings: Settings, register: str, entry: Any) -> PublicVersion:
    """A new public version of a register entry that holds an identifier — past the version already public, since
    an entry loaded by `medreg import` was published before it kept a count of its own."""
    _, record_of = REGISTERS[register]
    current = session.get(PublicRecord, entry.identifier)
    entry.public_version = max(entry.public_version, current.version if current else 0) + 1
    version = publish_version(session, settings, record_of(session, entry, entry.public_version))
    audit(session, "system:publisher", "publish", f"{register}:{entry.identifier}", version=entry.public_version,
          status=getattr(entry, "status", None))
    return version


def publish_if_changed(session: Session, settings: Settings, register: str, entry: Any) -> PublicVersion | None:
    """A new public version only if what the public sees changed (loading the same file twice publishes once)."""
    _, record_of = REGISTERS[register]
    current = session.get(PublicRecord, entry.identifier)
    version = current.version if current else 0
    record = record_of(session, entry, version)
    if current is not None and unchanged(current.body, record):
        return None
    entry.public_version = version + 1
    return publish_version(session, settings, {**record, "version": version + 1})


def publish_changed(session: Session, settings: Settings, changed: Sequence[tuple[str, int]]) -> int:
    """Publish the register entries an import created or changed (`ImportReport.changed`); how many got a version."""
    published = 0
    for register, entry_id in changed:
        table, _ = REGISTERS[register]
        entry = session.get(table, entry_id)
        if entry is not None and entry.identifier and publish_if_changed(session, settings, register, entry) is not None:
            published += 1
    return published


def entry_with_identifier(session: Session, register: str, identifier: str) -> Any:
    table, _ = REGISTERS[register]
    return session.scalar(select(table).where(table.identifier == identifier))


# --- deliveries --------------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Exponential back-off, capped at an hour, with jitter: a random time between half and all of the ceiling."""
    ceiling = min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 12))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def deliver_one(settings: Settings, delivery_id: int) -> bool:
    """Push one delivery (see deliver_many)."""
    return deliver_many(settings, [delivery_id]) == 1


# What a delivery not pushed because its site hangs records as its attempt's error (portal/services/deliveries.py shows
# "连接接收方超时"): it is retried with back-off like a push that timed out, without waiting the time-out again.
NOT_SENT_SITE_HUNG = "timed out: not sent, the site did not answer another push in time"
# A channel whose push timed out is not pushed to again by this process for a cool-down that doubles with every
# time-out in a row (from COOL_DOWN_SECONDS up to MAX_COOL_DOWN_SECONDS); then one push at a time probes it.
COOL_DOWN_SECONDS = 5.0
MAX_COOL_DOWN_SECONDS = 300.0


class SiteWatch:
    """Per process: the channels whose last push timed out (a site that accepts connections and never answers, or
    never accepts them). While a channel cools down its deliveries are not pushed but recorded as failed at once, so
    no batch waits the time-out for it; when the cool-down ends one batch probes it with a single push in flight, and
    an answer (any answer: a 503 is a live site) makes it healthy again. Every worker process learns on its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # channel -> (time-outs in a row, monotonic time it may be tried again, monotonic time of the last time-out)
        self._hung: dict[str, tuple[int, float, float]] = {}

    def pushers(self, channel: str, now: float | None = None) -> int:
        """How many pushes to the channel a batch may have in flight: PUSHERS, 1 (a probe), or 0 (cooling down)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if channel not in self._hung:
                return PUSHERS
            strikes, until, struck_at = self._hung[channel]
            if now < until:
                return 0
            # This batch probes; the others wait for its outcome (at most the time-out) as if still cooling down.
            self._hung[channel] = (strikes, now + egress.TIMEOUT_SECONDS + 1, struck_at)
            return 1

    def timed_out(self, channel: str, now: float | None = None) -> None:
        """A push to the channel timed out. Pushes of one round (in flight together) time out together: they count once."""
        now = time.monotonic() if now is None else now
        with self._lock:
            strikes, _, struck_at = self._hung.get(channel, (0, 0.0, -MAX_COOL_DOWN_SECONDS))
            if strikes and now - struck_at < egress.TIMEOUT_SECONDS + 1:
                return
            strikes += 1
            self._hung[channel] = (strikes, now + min(MAX_COOL_DOWN_SECONDS, COOL_DOWN_SECONDS * 2 ** (strikes - 1)), now)

    def answered(self, channel: str) -> None:
        with self._lock:
            self._hung.pop(channel, None)

    def hung(self) -> list[str]:
        with self._lock:
            return sorted(self._hung)

    def forget(self) -> None:
        with self._lock:
            self._hung.clear()


SITES = SiteWatch()


def deliver_many(settings: Settings, delivery_ids: list[int]) -> int:
    """Push deliveries; returns how many are delivered. The HTTP calls happen outside any transaction: one
    transaction reads what to send, and one per channel records that channel's results as soon as its pushes end.

    Each channel is pushed on its own (up to PUSHERS pushes in flight, each on a kept connection), beside the
    others, so a slow or hung site costs only its own deliveries: a healthy channel's are pushed and recorded
    whatever another's site does. A push that times out stops that channel for the rest of the batch (its
    remaining deliveries are recorded as failed, to be retried with back-off) and starts its cool-down (SITES):
    a batch waits for a hung site at most one time-out per connection, never one per delivery."""
    with session_scope(settings.database_url) as session:
        pending = session.execute(
            select(Delivery.id, Delivery.channel, Delivery.status, PublicVersion.body)
            .join(PublicVersion, PublicVersion.id == Delivery.version_id)
            .where(Delivery.id.in_(delivery_ids))
            .order_by(Delivery.id)
        ).all()
    channels = {channel.name: channel for channel in settings.channels}
    delivered = sum(1 for row in pending if row.status == "delivered")
    by_channel: dict[str, list[Any]] = {}
    for row in pending:
        if row.status != "delivered" and row.channel in channels:
            by_channel.setdefault(row.channel, []).append(row)
    if not by_channel:
        return delivered
    outcomes = [0] * len(by_channel)

    def deliver_channel(index: int, channel: Channel, rows: list[Any]) -> None:
        results = push_channel(channel, rows)
        with session_scope(settings.database_url) as session:
            locked = select(Delivery).where(Delivery.id.in_(list(results))).order_by(Delivery.id).with_for_update()
            outcomes[index] = sum(record_attempt(delivery, results[delivery.id], settings) for delivery in session.scalars(locked))

    work = [(index, channels[name], rows) for index, (name, rows) in enumerate(by_channel.items())]
    if len(work) > 1:
        with ThreadPoolExecutor(len(work)) as pool:
            list(pool.map(lambda args: deliver_channel(*args), work))
    else:
        deliver_channel(*work[0])
    return delivered + sum(outcomes)


def push_channel(channel: Channel, rows: list[Any]) -> dict[int, PushResult]:
    """Push `rows` (deliveries to one channel) with as many pushes in flight as SITES allows the channel, each pusher
    taking the next row on a kept connection of its own; after a time-out the rows left are not pushed."""
    results: dict[int, PushResult] = {}
    waiting = deque(rows)
    lock = threading.Lock()
    stopped = threading.Event()
    pushers = min(SITES.pushers(channel.name), len(rows))
    if pushers == 0:
        stopped.set()

    def pusher() -> None:
        with egress.Connections() as connections:
            while not stopped.is_set():
                with lock:
                    if not waiting:
                        return
                    row = waiting.popleft()
                body = encode(fhir.render(row.body) if channel.format == "fhir" else row.body)
                result = push(channel, row.body["identifier"], row.body["version"], body, connections=connections)
                results[row.id] = result
                if result.timed_out:
                    stopped.set()
                    SITES.timed_out(channel.name)
                else:
                    SITES.answered(channel.name)

    if pushers > 1:
        with ThreadPoolExecutor(pushers) as pool:
            for running in [pool.submit(pusher) for _ in range(pushers)]:
                running.result()  # a pusher's error fails the task, which is retried, as before
    elif pushers == 1:
        pusher()
    for row in waiting:
        results[row.id] = PushResult(False, NOT_SENT_SITE_HUNG)
    return results


def record_attempt(delivery: Delivery, result: PushResult, settings: Settings) -> bool:
    if delivery.status == "delivered":  # another worker got there first
        return True
    delivery.attempts += 1
    if result.ok:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", utcnow(), ""
    else:
        # After N failed attempts a person has to look: parked deliveries wait for `medreg publish replay`.
        parked = delivery.attempts >= settings.park_after_attempts
        delivery.status, delivery.last_error = ("parked" if parked else "retrying"), result.error
        delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
    return result.ok


class UnknownDeliveries(LookupError):
    def __init__(self, ids: list[int]) -> None:
        super().__init__(f"没有这些推送记录：{'、'.join(map(str, ids))}")
        self.ids = ids


def replay(session: Session, ids: Sequence[int]) -> list[int]:
    """Queue these deliveries again by hand (in one transaction with their outbox rows); the ids replayed, in order.
    Every parked delivery at once is publisher/backlog.py's replay_parked: there can be millions.

    A replayed delivery starts a fresh series of attempts; the receiver keeps the highest version of a
    record, so sending an old version again can never undo a newer one."""
    chosen = session.scalars(select(Delivery).where(Delivery.id.in_(list(ids))).order_by(Delivery.id).with_for_update()).all()
    missing = sorted(set(ids) - {d.id for d in chosen})
    if missing:
        raise UnknownDeliveries(missing)
    for delivery in chosen:
        delivery.status, delivery.attempts = "pending", 0
        delivery.next_attempt_at = utcnow() + FIRST_ATTEMPT_LEASE
        delivery.delivered_at = None
        enqueue(session, DELIVER, delivery_id=delivery.id)
    return [delivery.id for delivery in chosen]
