"""The delivery backlog (publisher/backlog.py): deliveries that wait in the table, drained by lanes of messages.

The first tests take the lanes' steps by hand in a database of their own, with no worker or relay beside them;
the last runs the real workers and receiver: a registration is published and delivered while a backlog of an
import's size still waits for a slow site, not after it."""
from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from models import Application, Delivery, DeliveryLane, OutboxMessage, PublicVersion
from models.base import utcnow
from models.db import session_scope
from models.settings import Channel, Settings
from publisher import backlog
from publisher.disclosure import DELIVER, PUSHERS, deliver_many
from tests import factories, public_records
from tests.conftest import migrated_database
from tests.functional.test_no_lost_work import ISSUE, approved_applications, send, status_of
from tests.journeys import wait_for


@pytest.fixture
def quiet_database():
    with migrated_database(f"medreg_backlog_{uuid.uuid4().hex[:10]}") as url:
        yield url


def versions_with_deliveries(session, count: int, channels=("national", "beijing"), due_in: timedelta = timedelta(0)) -> list[int]:
    """`count` public versions of physicians in 朝阳区 (records as the feed answers them), each with a pending delivery
    per channel due after `due_in`; the delivery ids."""
    now = utcnow()
    records = [public_records.person_record("physician", "110105", n, [{"id": 1, "name": "积压测试医院", "identifier": None}])
               for n in range(count)]
    versions = [PublicVersion(identifier=record["identifier"], version=1, division="110105", published_at=now, body=record)
                for record in records]
    session.add_all(versions)
    session.flush()
    deliveries = [Delivery(version_id=version.id, channel=channel, next_attempt_at=now + due_in)
                  for version in versions for channel in channels]
    session.add_all(deliveries)
    session.flush()
    return [delivery.id for delivery in deliveries]


def tickets(session) -> list[dict]:
    return [row.payload for row in session.scalars(select(OutboxMessage).where(OutboxMessage.task == DELIVER)
                                                   .order_by(OutboxMessage.id))]


def test_nothing_due_starts_nothing(quiet_database):
    with session_scope(quiet_database) as session:
        versions_with_deliveries(session, 3, due_in=timedelta(minutes=5))  # retries not yet due
        assert backlog.start(session.connection()) == 0
        assert tickets(session) == []


def test_a_lane_takes_portions_in_steps_and_ends_when_the_backlog_does(quiet_database):
    with session_scope(quiet_database) as session:
        ids = versions_with_deliveries(session, backlog.PORTION)  # two portions and nothing more
        assert backlog.start(session.connection()) == backlog.LANES
        first = tickets(session)
        assert first == [{"lane": lane, "generation": 1, "step": 0} for lane in range(backlog.LANES)]
        # Started lanes are not started again while they run.
        assert backlog.start(session.connection()) == 0

        claimed = backlog.take_step(session.connection(), first[0])
        assert len(claimed) == backlog.PORTION
        # The portion is leased: no longer due, so no other step takes it.
        leased = session.scalars(select(Delivery.next_attempt_at).where(Delivery.id.in_(claimed))).all()
        assert all(at > utcnow() + backlog.CLAIM_LEASE - timedelta(minutes=1) for at in leased)
        # A full portion queued the lane's next step.
        assert tickets(session)[-1] == {"lane": 0, "generation": 1, "step": 1}
        # The same message delivered twice takes nothing the second time.
        assert backlog.take_step(session.connection(), first[0]) == []

        second = backlog.take_step(session.connection(), {"lane": 0, "generation": 1, "step": 1})
        assert sorted(claimed + second) == sorted(ids)
        assert tickets(session)[-1] == {"lane": 0, "generation": 1, "step": 2}
        # Nothing left: the step ends its lane and queues nothing more.
        before = len(tickets(session))
        assert backlog.take_step(session.connection(), {"lane": 0, "generation": 1, "step": 2}) == []
        assert len(tickets(session)) == before
        assert session.get(DeliveryLane, 0).running is False
        # The other lane's first step finds nothing either and ends too.
        assert backlog.take_step(session.connection(), first[1]) == []
        assert session.get(DeliveryLane, 1).running is False


def test_a_lane_whose_messages_stopped_is_started_again_and_its_old_messages_do_nothing(quiet_database):
    with session_scope(quiet_database) as session:
        versions_with_deliveries(session, 10)
        backlog.start(session.connection())
        lost = tickets(session)[0]  # say the broker lost it: lane 0 runs, and nothing will take its step
        session.execute(update(DeliveryLane).where(DeliveryLane.lane == 0)
                        .values(beat_at=utcnow() - backlog.STALE - timedelta(seconds=1)))
        assert backlog.start(session.connection()) == 1
        assert tickets(session)[-1] == {"lane": 0, "generation": 2, "step": 0}
        # Had the old message come after all, it would find its lane restarted.
        assert backlog.take_step(session.connection(), lost) == []
        assert len(backlog.take_step(session.connection(), tickets(session)[-1])) == 20


def test_retries_that_came_due_are_drained_by_the_lanes_too(quiet_database):
    with session_scope(quiet_database) as session:
        ids = versions_with_deliveries(session, 2)
        session.execute(update(Delivery).values(status="retrying", attempts=3, next_attempt_at=utcnow() - timedelta(seconds=1)))
        backlog.start(session.connection())
        assert sorted(backlog.take_step(session.connection(), tickets(session)[0])) == sorted(ids)


def test_an_import_leaves_no_message_per_delivery_and_its_lanes_started(tmp_path, monkeypatch):
    """`medreg import` of a register with two channels: every record has its deliveries, due, and the outbox holds
    the lanes' first messages only."""
    from portal.cli import main

    monkeypatch.setenv("MEDREG_SECRET", "backlog-import-secret")
    monkeypatch.setenv("MEDREG_CHANNELS", json.dumps([
        {"name": "national", "url": "http://127.0.0.1:9/national", "prefix": "", "secret": "s1"},
        {"name": "beijing", "url": "http://127.0.0.1:9/beijing", "prefix": "11", "secret": "s2"}]))
    with migrated_database(f"medreg_backlog_{uuid.uuid4().hex[:10]}") as url:
        monkeypatch.setenv("MEDREG_DATABASE_URL", url)
        assert main(["generate", "--out", str(tmp_path), "--scale", "0.0005", "--seed", "3"]) == 0
        for kind in ("divisions", "institutions", "physician-qualifications", "physicians"):
            assert main(["import", kind, str(tmp_path / f"{kind}.csv")]) == 0
        with session_scope(url) as session:
            records = session.scalar(select(func.count()).select_from(PublicVersion))
            local = session.scalar(select(func.count()).select_from(PublicVersion).where(PublicVersion.division.like("11%")))
            assert records > 0
            assert session.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())) == records + local
            assert tickets(session) == [{"lane": lane, "generation": 1, "step": 0} for lane in range(backlog.LANES)]
            assert session.scalar(select(func.count()).select_from(OutboxMessage)) == backlog.LANES


def test_a_registration_is_published_and_delivered_while_a_backlog_waits_for_a_slow_site(db, settings, celery_app, workers, receiver):
    """An import's deliveries must not stand between a registration and the public: with two thousand deliveries
    waiting for a site that takes 200 ms a push (about 25 s for the test's two worker threads, eight pushes in
    flight each), the registration's record reaches both of its channels while most of the backlog still waits."""
    desk = factories.institution(db, name=factories.unique_name("积压医院"))
    (application_id,) = approved_applications(db, settings, desk, 1, "110105")
    waiting = versions_with_deliveries(db, 1000)
    backlog.start(db.connection())
    db.commit()
    receiver.delay = 0.2
    try:
        wait_for(lambda: delivered(db, waiting) > 0, timeout=60)  # the workers are pushing the backlog
        send(celery_app, ISSUE, [application_id])
        wait_for(lambda: status_of(db, application_id) == "published", timeout=60)
        identifier = db.get(Application, application_id).identifier
        ours = select(Delivery.id).join(PublicVersion, PublicVersion.id == Delivery.version_id).where(
            PublicVersion.identifier == identifier)
        wait_for(lambda: delivered(db, db.scalars(ours).all()) == 2, timeout=60)
        assert identifier in receiver.held("national") and identifier in receiver.held("beijing")
        assert delivered(db, waiting) < len(waiting) / 2
    finally:
        receiver.delay = 0.0
    # And the backlog goes out in full.
    wait_for(lambda: delivered(db, waiting) == len(waiting), timeout=120)


def delivered(db, ids: list[int]) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Delivery).where(Delivery.id.in_(ids), Delivery.status == "delivered"))


def test_the_relay_reads_unsent_messages_from_an_index_of_them_alone(db):
    """Millions of sent rows stay in the outbox for a day after a national import; the relay's read must not walk
    them (ix_outbox_pending), whatever the planner's statistics say."""
    plan = "\n".join(db.execute(text(
        "EXPLAIN SELECT id, task, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED"
    )).scalars())
    assert "ix_outbox_pending" in plan


def test_replaying_every_parked_delivery_makes_them_due_for_the_lanes_not_a_message_each(quiet_database):
    with session_scope(quiet_database) as session:
        parked = versions_with_deliveries(session, 30)
        session.execute(update(Delivery).values(status="parked", attempts=16, last_error="HTTP 503",
                                                next_attempt_at=utcnow() + timedelta(hours=1)))
        assert backlog.replay_parked(session.connection()) == 60
        again = session.scalars(select(Delivery).where(Delivery.id.in_(parked))).all()
        assert {(d.status, d.attempts) for d in again} == {("pending", 0)}
        assert all(d.next_attempt_at <= utcnow() for d in again)
        assert tickets(session) == [{"lane": lane, "generation": 1, "step": 0} for lane in range(backlog.LANES)]
        claimed = backlog.take_step(session.connection(), tickets(session)[0])
        assert len(claimed) == backlog.PORTION and set(claimed) <= set(parked)


class CountingSite:
    """A site that takes 50 ms to answer and counts how many pushes it is answering at once."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self
        self.lock = threading.Lock()
        self.now = self.most = self.pushes = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with site.lock:
                    site.now += 1
                    site.most = max(site.most, site.now)
                time.sleep(0.05)
                with site.lock:
                    site.now -= 1
                    site.pushes += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_portion_is_pushed_several_at_a_time_to_a_slow_site(quiet_database):
    """A site tens of milliseconds away would take a portion 50 times that, one push after the other."""
    site = CountingSite()
    settings = Settings(database_url=quiet_database, broker_url="memory://", secret="backlog-pushers-secret", sms_backend="file:/dev/null",
                        channels=(Channel("national", f"http://127.0.0.1:{site.server.server_address[1]}/national", "", "s"),),
                        allowed_push_networks=("127.0.0.1/32",))
    try:
        with session_scope(quiet_database) as session:
            ids = versions_with_deliveries(session, 24, channels=("national",))
        assert deliver_many(settings, ids) == 24
        assert site.pushes == 24
        assert 1 < site.most <= PUSHERS
        with session_scope(quiet_database) as session:
            assert set(session.scalars(select(Delivery.status).where(Delivery.id.in_(ids)))) == {"delivered"}
    finally:
        site.server.shutdown()
