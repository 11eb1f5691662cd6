"""Disclosure 公示: a register entry becomes a new public version, the current public record, and one
delivery per matching channel; deliveries are pushed, retried with back-off, parked, and replayed by hand.

Both process adapters use it: the publish and deliver tasks, the expiry and lapse jobs, `medreg import`,
and `medreg publish replay`.
"""

from __future__ import annotations

import random
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
PUSHERS = 8  # pushes of one message in flight at once
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


def deliver_many(settings: Settings, delivery_ids: list[int]) -> int:
    """Push deliveries; returns how many are delivered. The HTTP calls happen outside any transaction:
    one transaction reads what to send, one records every result."""
    with session_scope(settings.database_url) as session:
        pending = session.execute(
            select(Delivery.id, Delivery.channel, Delivery.status, PublicVersion.body)
            .join(PublicVersion, PublicVersion.id == Delivery.version_id)
            .where(Delivery.id.in_(delivery_ids))
        ).all()
    channels = {channel.name: channel for channel in settings.channels}
    delivered = sum(1 for row in pending if row.status == "delivered")
    todo = [(row, channels[row.channel]) for row in pending if row.status != "delivered" and row.channel in channels]
    results: dict[int, PushResult] = {}

    def push_all(share: Sequence[tuple[Any, Channel]]) -> None:
        with egress.Connections() as connections:
            for row, channel in share:
                body = encode(fhir.render(row.body) if channel.format == "fhir" else row.body)
                results[row.id] = push(channel, row.body["identifier"], row.body["version"], body, connections=connections)

    # A site a continent away answers in tens of milliseconds: a portion's pushes go out PUSHERS at a time, each
    # pusher on its own kept connection.
    shares = [todo[start::PUSHERS] for start in range(min(PUSHERS, len(todo)))]
    if len(shares) > 1:
        with ThreadPoolExecutor(len(shares)) as pool:
            list(pool.map(push_all, shares))
    elif shares:
        push_all(shares[0])
    if not results:
        return delivered
    with session_scope(settings.database_url) as session:
        locked = select(Delivery).where(Delivery.id.in_(list(results))).order_by(Delivery.id).with_for_update()
        for delivery in session.scalars(locked):
            delivered += record_attempt(delivery, results[delivery.id], settings)
    return delivered


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
