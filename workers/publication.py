"""The `publish` stage: a new public version of the register entry, and its push to every matching channel."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import Application, Delivery, Institution, NurseRegistration, PhysicianRegistration, PublicRecord, PublicVersion
from models.base import utcnow
from models.db import session_scope
from models.outbox import enqueue
from models.settings import Settings
from pipeline.kinds import get_kind
from pipeline.lifecycle import Actor, Status
from publisher import fhir
from publisher.allowlist import public_only, with_status_since
from publisher.channels import PushResult, channels_for, encode, push
from publisher.records import nurse_record, physician_record
from workers.app import app, settings_of
from workers.batches import for_each_application
from workers.institution_business import institution_public_record

PUBLISHER = "公示服务"
MAX_BACKOFF_SECONDS = 3600
FIRST_ATTEMPT_LEASE = timedelta(minutes=2)


FEED_LOCK = 6_000_006


def serialise_publication(session: Session) -> None:
    """Versions get their feed position (id) in commit order: a reader that has seen id N can never later
    find a committed version below N, so following the feed by cursor loses nothing. SQLite already
    serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})


def publish_version(session: Session, settings: Settings, record: dict) -> PublicVersion:
    """Store the version, make it the current public record, and queue a delivery per matching channel."""
    serialise_publication(session)
    previous = session.get(PublicRecord, record["identifier"])
    record = with_status_since(public_only(record), previous.body if previous else None, utcnow().date())
    version = PublicVersion(identifier=record["identifier"], version=record["version"], division=record["division"], body=record)
    session.add(version)
    current = session.get(PublicRecord, record["identifier"])
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
        # The outbox sends it now; the sweeper offers it again only if no attempt is recorded by then.
        delivery = Delivery(version_id=version.id, channel=channel.name, next_attempt_at=utcnow() + FIRST_ATTEMPT_LEASE)
        session.add(delivery)
        session.flush()
        enqueue(session, "workers.publication.deliver", delivery_id=delivery.id)
    return version


# Which register an application's profession publishes from, and how its public record is built.
REGISTERS = {"physician": (PhysicianRegistration, physician_record), "nurse": (NurseRegistration, nurse_record)}
REGISTERS["institution"] = (Institution, institution_public_record)


def publish_application(session: Session, application: Application, settings: Settings) -> None:
    register, record_of = REGISTERS[get_kind(application.kind).profession]
    entry = session.scalar(select(register).where(register.identifier == application.identifier))
    entry.public_version += 1
    publish_version(session, settings, record_of(session, entry, entry.public_version))
    application.move_to(Status.published, Actor.system, PUBLISHER, "已推送至公示渠道")
    enqueue(session, "workers.notifications.notify", application_id=application.id, event="published")


@app.task(name="workers.publication.publish", bind=True)
def publish(self, items: list[dict]) -> int:
    settings = settings_of(self.app)
    return for_each_application(
        settings,
        items,
        {Status.issued},
        lambda session, application: publish_application(session, application, settings),
        claim=Application.status == Status.issued,
    )


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with full jitter, capped at an hour."""
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
    results = {}
    for row in pending:
        channel = channels.get(row.channel)
        if row.status == "delivered" or channel is None:
            continue
        body = encode(fhir.render(row.body) if channel.format == "fhir" else row.body)
        results[row.id] = push(channel, row.body["identifier"], row.body["version"], body)
    if not results:
        return delivered
    with session_scope(settings.database_url) as session:
        for delivery in session.scalars(select(Delivery).where(Delivery.id.in_(list(results))).order_by(Delivery.id).with_for_update()):
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


@app.task(name="workers.publication.deliver", bind=True)
def deliver(self, items: list[dict]) -> int:
    return deliver_many(settings_of(self.app), sorted({int(item["delivery_id"]) for item in items}))
