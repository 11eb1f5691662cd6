"""A disclosure site that hangs (accepts connections, never answers: a frozen receiver) costs only its own channel.

The first test pushes a batch by hand against a receiver of its own; the second publishes records as registrations
are published and lets the real workers on the local RabbitMQ push them, while the national site hangs: the Beijing
channel has every record long before the national time-outs of the batches could have passed one after another."""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import func, select

from models import Delivery, PublicVersion
from models.db import session_scope
from models.settings import Channel, Settings
from publisher import backlog, egress
from publisher.disclosure import COOL_DOWN_SECONDS, NOT_SENT_SITE_HUNG, PUSHERS, SITES, deliver_many, publish_version
from publisher.receiver import Receiver
from tests import factories, public_records
from tests.conftest import migrated_database
from tests.functional.publisher.test_backlog import versions_with_deliveries
from tests.journeys import wait_for

SECRETS = {"national": "national-secret", "beijing": "beijing-secret"}


@pytest.fixture
def quiet_database():
    with migrated_database(f"medreg_hung_{uuid.uuid4().hex[:10]}") as url:
        yield url


@pytest.fixture
def forgetful_sites():
    """The in-process workers share SITES with the test: no other test may find a channel cooling down."""
    SITES.forget()
    yield SITES
    SITES.forget()


def statuses(url: str, ids: list[int], channel: str) -> dict[str, int]:
    with session_scope(url) as session:
        return dict(session.execute(select(Delivery.status, func.count()).where(Delivery.id.in_(ids), Delivery.channel == channel)
                                    .group_by(Delivery.status)).all())  # type: ignore[arg-type]


def test_a_batch_waits_for_a_hung_site_once_per_connection_and_the_next_batch_not_at_all(quiet_database, forgetful_sites):
    """Forty deliveries to a hung site, one after the other on eight connections, would hold the batch 25 s; the
    batch stops pushing to that site at its first time-out, and the healthy channel's deliveries are delivered."""
    with Receiver(SECRETS) as site:
        settings = Settings(database_url=quiet_database, broker_url="memory://", secret="hung-site-secret", sms_backend="file:/dev/null",
                            channels=(Channel("national", site.url("national"), "", SECRETS["national"]),
                                      Channel("beijing", site.url("beijing"), "11", SECRETS["beijing"])),
                            allowed_push_networks=("127.0.0.1/32",))
        with session_scope(quiet_database) as session:
            ids = versions_with_deliveries(session, 40)
        site.hung.add("national")
        try:
            started = time.monotonic()
            assert deliver_many(settings, ids) == 40
            took = time.monotonic() - started
            # Every pusher's connection waited its time-out once at most (they wait side by side), no more.
            assert site.asked["national"] <= PUSHERS
            assert took < 3 * egress.TIMEOUT_SECONDS
            assert statuses(quiet_database, ids, "beijing") == {"delivered": 40}
            assert statuses(quiet_database, ids, "national") == {"retrying": 40}
            assert SITES.hung() == ["national"]
            with session_scope(quiet_database) as session:
                errors = session.scalars(select(Delivery.last_error).where(Delivery.id.in_(ids), Delivery.channel == "national")).all()
                attempts = session.scalars(select(Delivery.attempts).where(Delivery.id.in_(ids), Delivery.channel == "national")).all()
            assert set(errors) <= {egress.TIMED_OUT, NOT_SENT_SITE_HUNG} and NOT_SENT_SITE_HUNG in errors
            assert set(attempts) == {1}  # an attempt each, retried with back-off as any failed push

            # While the channel cools down a batch does not push to it: no wait, and the deliveries back off again.
            asked = site.asked["national"]
            started = time.monotonic()
            assert deliver_many(settings, ids) == 40
            assert time.monotonic() - started < egress.TIMEOUT_SECONDS
            assert site.asked["national"] == asked
            assert statuses(quiet_database, ids, "national") == {"retrying": 40}
        finally:
            site.hung.discard("national")

        # Once the cool-down is over, a batch probes the site with one push at a time, finds it answering, and
        # everything goes out.
        time.sleep(COOL_DOWN_SECONDS + 1)
        assert deliver_many(settings, ids) == 80
        assert statuses(quiet_database, ids, "national") == {"delivered": 40}
        assert len(site.held("national")) == 40 and SITES.hung() == []


def test_a_hung_national_site_does_not_hold_back_the_beijing_channel(db, settings, celery_app, workers, receiver, forgetful_sites):
    """200 records, each to the national and the Beijing channel, as registrations' pushes: eight messages of 50
    deliveries on the test's two worker threads. Before, each message waited 5 s for every national push of a pusher
    (about 35 s a message), so Beijing had the last records after more than 100 s; now it has them all within
    seconds while the national site hangs, and the national channel every version once its site answers again."""
    desk = factories.institution(db, name=factories.unique_name("挂起医院"))
    place = [{"id": desk.id, "name": desk.name, "identifier": None}]
    records = [public_records.person_record("physician", "110105", n, place) for n in range(200)]
    identifiers = {record["identifier"] for record in records}
    receiver.hung.add("national")
    asked_before = receiver.asked["national"]
    try:
        for record in records:
            publish_version(db, settings, record)
        db.commit()
        # Far below the 200 × 5 s of national time-outs, and the > 100 s the workers took before; generous for a busy
        # machine (the healthy channel's pushes take about a second here).
        wait_for(lambda: identifiers <= set(receiver.held("beijing")), timeout=45)
        # The hung site was tried once per connection of the first batches, then left to cool down: nowhere near
        # once per delivery.
        assert receiver.asked["national"] - asked_before <= 4 * PUSHERS
        assert not identifiers & set(receiver.held("national"))
    finally:
        receiver.hung.discard("national")
    ours = select(Delivery.id).join(PublicVersion, PublicVersion.id == Delivery.version_id).where(
        PublicVersion.identifier.in_(identifiers))

    def national_delivered() -> bool:
        db.rollback()
        backlog.start(db.connection())  # as beat's sweep does: the retries that came due go out in the lanes
        db.commit()
        return identifiers <= set(receiver.held("national"))

    wait_for(national_delivered, timeout=120, every=1.0)
    ids = db.scalars(ours).all()
    wait_for(lambda: statuses(settings.database_url, ids, "national") == {"delivered": 200}
             and statuses(settings.database_url, ids, "beijing") == {"delivered": 200}, timeout=60)
