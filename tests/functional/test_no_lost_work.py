"""No work is lost and none is done twice: redelivered messages, concurrent issuers, killed workers, the outbox,
and a disclosure site that is down.

The session `workers` fixture (one solo worker on every queue, plus the relay) is shared and never stopped here.
Tests that are about workers start their own `celery worker` processes on a private queue, so the shared worker
never takes their messages.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update

from models import Application, Delivery, IdentifierSerial, IssuedIdentifier, OutboxMessage, PublicVersion
from models.base import utcnow
from models.db import engine_for, session_factory, session_scope
from models.identifiers import identifier_for
from models.migrate import upgrade
from models.settings import Settings
from pipeline import clock
from pipeline.identifiers import is_valid_identifier, parse_identifier
from tests import factories
from tests.journeys import institution_desk, login, person_account, submit_first_registration, wait_for, wait_status
from workers.app import TASK_QUEUES, make_celery
from workers.maintenance import sweep_once
from workers.relay import relay_once

ROOT = Path(__file__).resolve().parents[2]
# The shared solo worker sometimes sits on a delivered message for many seconds after a burst (see the report);
# waits that follow a burst get this much time.
SHARED_WORKER_BACKLOG = 90.0
VERIFY, ISSUE, PUBLISH = "workers.verification.verify", "workers.identifiers.issue", "workers.publication.publish"


# --- worker processes of our own -----------------------------------------------------------------------------


def private_queue(stage: str) -> str:
    return f"test-{stage}-{uuid.uuid4().hex[:8]}"


def send(celery_app, task: str, application_ids: list[int], queue: str | None = None) -> None:
    """One message of `task` for the applications, on its own stage queue or on a private one."""
    items = [{"application_id": i} for i in application_ids]
    if queue is None:
        celery_app.send_task(task, args=[items])
    else:
        celery_app.send_task(task, args=[items], queue=queue, exchange=queue, routing_key=queue)


def consumers_on(celery_app, queue: str) -> int:
    with celery_app.connection_for_write() as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).consumer_count
        except Exception:  # the queue does not exist yet: the worker has not declared it
            return 0


def worker_environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "MEDREG_DATABASE_URL": settings.database_url,
        "MEDREG_BROKER_URL": settings.broker_url,
        "MEDREG_SECRET": settings.secret,
        "MEDREG_SMS_BACKEND": settings.sms_backend,
        "MEDREG_CHANNELS": json.dumps([asdict(channel) for channel in settings.channels]),
    }


def children_of(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool processes, by pid: no chance to hand anything back politely."""
    pids = [process.pid, *children_of(process.pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


@contextmanager
def worker_process(settings: Settings, queue: str, log_dir: Path, concurrency: int = 1) -> Iterator[subprocess.Popen]:
    """`celery -A workers worker -Q queue` as its own process, on the test database and broker (its log in log_dir)."""
    log = open(log_dir / f"{queue}-{uuid.uuid4().hex[:6]}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", queue, "-c", str(concurrency), "-P", "prefork",
         "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=worker_environment(settings), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                kill_hard(process)
        log.close()


def wait_consumers(celery_app, queue: str, count: int) -> None:
    wait_for(lambda: consumers_on(celery_app, queue) >= count, timeout=60, every=0.2)


# --- arranging applications directly (no outbox rows: only the messages a test sends move them) ---------------


def approved_applications(db, settings, institution, count: int, commission: str) -> list[int]:
    ids = []
    for _ in range(count):
        person = person_account(db, settings, institution.id)
        ids.append(factories.application(
            db, person["person_id"], person["account_id"], institution.id, person["certificate_no"], "approved", commission
        ).id)
    db.commit()
    return ids


def fresh(db, model, *criteria):
    db.rollback()
    return db.scalars(select(model).where(*criteria)).all()


def status_of(db, application_id: int) -> str:
    db.rollback()
    return db.get(Application, application_id).status


# --- (a) a message delivered twice changes nothing the second time -------------------------------------------


def queued_messages(settings: Settings, queues: tuple[str, ...]) -> int:
    """Messages on the queues not yet acknowledged (ready or held by a worker); acks come after a task commits."""
    vhost = settings.broker_url.rsplit("/", 1)[1] or "/"
    listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages"],
                             capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in listing.splitlines()[1:] if "\t" in line]
    return sum(int(count) for name, count in rows if name in queues)


def test_redelivered_stage_messages_change_nothing(db, settings, celery_app, workers):
    division = "110114"  # its own division, so its serial counter moves only for this test
    factories.division(db, division, "昌平区", "110100")
    desk = factories.institution(db, name=factories.unique_name("幂等医院"), division=division)
    (done,) = approved_applications(db, settings, desk, 1, division)
    send(celery_app, ISSUE, [done])
    wait_for(lambda: status_of(db, done) == "published", timeout=SHARED_WORKER_BACKLOG)
    identifier = db.get(Application, done).identifier
    wait_for(lambda: {d.status for d in fresh(db, Delivery, Delivery.version_id.in_(
        select(PublicVersion.id).where(PublicVersion.identifier == identifier)))} == {"delivered"}, timeout=SHARED_WORKER_BACKLOG)

    def snapshot() -> tuple:
        db.rollback()
        application = db.get(Application, done)
        return (
            application.status,
            application.identifier,
            len(application.history),
            db.scalar(select(func.count()).select_from(PublicVersion).where(PublicVersion.identifier == identifier)),
            db.scalar(select(func.count()).select_from(Delivery).join(PublicVersion, PublicVersion.id == Delivery.version_id)
                      .where(PublicVersion.identifier == identifier)),
            db.scalar(select(func.sum(IdentifierSerial.last)).where(IdentifierSerial.kind == "D", IdentifierSerial.division_code == division)),
        )

    before = snapshot()
    assert before[0] == "published" and before[3] == 1 and before[5] == 1
    for task in (VERIFY, ISSUE, PUBLISH):
        send(celery_app, task, [done])
        send(celery_app, task, [done])
    wait_for(lambda: queued_messages(settings, ("verify", "issue", "publish")) == 0, timeout=SHARED_WORKER_BACKLOG, every=0.3)
    assert snapshot() == before


# --- (b) concurrent issuers never share or skip a serial ----------------------------------------------------


def test_sixty_approvals_issued_by_parallel_workers_get_serials_one_to_sixty(db, settings, celery_app, workers, tmp_path):
    division = "110117"
    factories.division(db, division, "平谷区", "110100")
    desk = factories.institution(db, name=factories.unique_name("平谷医院"), division=division)
    db.commit()
    assert not fresh(db, IssuedIdentifier, IssuedIdentifier.value.like(f"D{division}%")), "division already used by another test"
    ids = approved_applications(db, settings, desk, 60, division)
    queue = private_queue("issue")
    with worker_process(settings, queue, tmp_path, concurrency=2), worker_process(settings, queue, tmp_path, concurrency=2):
        wait_consumers(celery_app, queue, 2)
        for application_id in ids:
            send(celery_app, ISSUE, [application_id], queue)
        for start in range(0, 60, 10):  # overlapping batches: the same rows offered to several workers at once
            send(celery_app, ISSUE, list(reversed(ids[start : start + 10])), queue)
        wait_for(lambda: all(a.identifier for a in fresh(db, Application, Application.id.in_(ids))), timeout=60)

    identifiers = [a.identifier for a in fresh(db, Application, Application.id.in_(ids))]
    assert len(set(identifiers)) == 60
    assert all(is_valid_identifier(value) for value in identifiers)
    parts = [parse_identifier(value) for value in identifiers]
    assert {(profession, code, year) for profession, code, year, _ in parts} == {("physician", division, clock.today().year)}
    assert sorted(serial for *_, serial in parts) == list(range(1, 61))
    assert len(fresh(db, IssuedIdentifier, IssuedIdentifier.value.like(f"D{division}%"))) == 60
    for application in fresh(db, Application, Application.id.in_(ids)):
        assert [e.to_status for e in application.history].count("issued") == 1
    # Leave no backlog on the shared worker: the 60 records are published and pushed before the next test.
    wait_for(lambda: {a.status for a in fresh(db, Application, Application.id.in_(ids))} == {"published"}, timeout=SHARED_WORKER_BACKLOG)
    wait_for(lambda: {d.status for d in fresh(db, Delivery, Delivery.version_id.in_(
        select(PublicVersion.id).where(PublicVersion.identifier.in_(identifiers))))} == {"delivered"}, timeout=SHARED_WORKER_BACKLOG)


def test_identifier_for_one_entry_from_many_threads_gives_one_value(db, settings):
    division = "110117"
    factories.division(db, division, "平谷区", "110100")
    entry = factories.institution(db, name=factories.unique_name("赋码医院"), division=division, with_identifier=False)
    db.commit()
    serial_before = db.scalar(select(IdentifierSerial.last).where(
        IdentifierSerial.kind == "H", IdentifierSerial.division_code == division, IdentifierSerial.year == clock.today().year)) or 0
    threads, start = 6, threading.Barrier(6)
    values, errors = [], []

    def issue() -> None:
        try:
            start.wait()
            with session_scope(settings.database_url) as session:
                values.append(identifier_for(session, "institution", entry.id, division))
        except Exception as error:  # collected: the assertion below names it
            errors.append(repr(error))

    running = [threading.Thread(target=issue) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=30)

    assert errors == []
    assert len(values) == threads and len(set(values)) == 1
    assert parse_identifier(values[0])[3] == serial_before + 1
    db.rollback()
    assert db.scalar(select(IdentifierSerial.last).where(
        IdentifierSerial.kind == "H", IdentifierSerial.division_code == division, IdentifierSerial.year == clock.today().year)) == serial_before + 1
    assert len(fresh(db, IssuedIdentifier, IssuedIdentifier.entry_type == "institution", IssuedIdentifier.entry_id == entry.id)) == 1


# --- (c) a worker killed while it holds a message ------------------------------------------------------------


def lock_waiters(db, connected_since) -> set[int]:
    """Database sessions opened after `connected_since` that wait for a lock."""
    db.rollback()
    return set(db.scalars(
        text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
             " AND backend_start > :since"),
        {"since": connected_since},
    ))


def live_sessions(db, pids: set[int]) -> set[int]:
    db.rollback()
    return set(db.scalars(text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": list(pids)}))


def now(db):
    return db.execute(text("SELECT clock_timestamp()")).scalar_one()


def test_killed_worker_loses_no_message(db, settings, celery_app, workers, tmp_path):
    desk = factories.institution(db, name=factories.unique_name("重投医院"))
    (application_id,) = approved_applications(db, settings, desk, 1, "110105")
    factories.issued(db, db.get(Application, application_id))
    db.commit()
    queue = private_queue("publish")
    observer = session_factory(settings.database_url)()
    waiters: set[int] = set()
    try:
        started = now(observer)
        with worker_process(settings, queue, tmp_path) as first:
            wait_consumers(celery_app, queue, 1)
            # Workers claim applications with SELECT ... FOR UPDATE; while this lock is held that waits, before any
            # row is touched: the worker has taken the message and sits inside the task.
            db.execute(text("LOCK TABLE applications IN EXCLUSIVE MODE"))
            send(celery_app, PUBLISH, [application_id], queue)
            waiters |= wait_for(lambda: lock_waiters(observer, started))

            # The pool process dies mid-task: acks_late + task_reject_on_worker_lost hand the message back,
            # and the worker's next pool process takes it again.
            (pool_process,) = children_of(first.pid)
            killed_at = now(observer)
            os.kill(pool_process, signal.SIGKILL)
            waiters |= wait_for(lambda: lock_waiters(observer, killed_at))
            assert children_of(first.pid) not in ([], [pool_process])

            # Now the whole worker dies while holding it: the broker takes the unacknowledged message back.
            kill_hard(first)
        db.rollback()  # release the lock; the killed workers' database sessions find their client gone and end
        wait_for(lambda: not live_sessions(observer, waiters))
        assert status_of(observer, application_id) == "issued"

        with worker_process(settings, queue, tmp_path):
            wait_for(lambda: status_of(observer, application_id) == "published")
    finally:
        db.rollback()
        observer.close()

    identifier = db.get(Application, application_id).identifier
    assert len(fresh(db, PublicVersion, PublicVersion.identifier == identifier)) == 1
    assert [e.to_status for e in db.get(Application, application_id).history].count("published") == 1


# --- (d) the outbox: a state change and its message commit together -----------------------------------------


@pytest.fixture
def quiet_database(settings):
    """A database of its own that no relay watches: what the portal writes there stays in the outbox."""
    name = f"{settings.database_url.rsplit('/', 1)[1]}_outbox"
    admin = create_engine(settings.database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = settings.database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield replace(settings, database_url=url)
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_outbox_keeps_messages_until_the_relay_runs(quiet_database, celery_app, tmp_path):
    from webtest import TestApp

    from portal import make_config

    settings = quiet_database
    api = TestApp(make_config({}, settings).make_wsgi_app())
    db = session_factory(settings.database_url)()
    try:
        desk = institution_desk(api, db)
        person = person_account(db, settings, desk.id)
        db.commit()
        person["headers"] = login(api, person["mobile"])

        def outbox() -> list[tuple]:
            db.rollback()
            return [(m.task, m.payload, m.sent_at is None) for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]

        application_id = submit_first_registration(api, person, desk.id)["id"]
        assert outbox() == [(VERIFY, {"application_id": application_id}, True)]
        assert db.get(Application, application_id).status == "submitted"

        # Refused requests leave nothing behind: no application, no message.
        submit_first_registration(api, person, desk.id, status=409)
        api.post_json(f"/api/v1/institution/tasks/{application_id}", {"decision": "confirm"}, headers=desk.headers, status=409)
        api.post_json(f"/api/v1/applications/{application_id}/resubmit", {"data": {}}, headers=person["headers"], status=409)
        assert outbox() == [(VERIFY, {"application_id": application_id}, True)]
        assert db.scalar(select(func.count()).select_from(Application)) == 1

        queue = private_queue("verify")
        relay_app = make_celery(settings)
        celery_app.set_current()  # make_celery made the relay's app the current one; the tests' app stays current
        relay_app.conf.task_routes = {task: {"queue": queue, "exchange": queue, "routing_key": queue} for task in TASK_QUEUES}
        with worker_process(settings, queue, tmp_path):
            wait_consumers(relay_app, queue, 1)
            assert relay_once(relay_app, settings) == 1
            assert outbox()[0][2] is False
            wait_status(api, person["headers"], application_id, "awaiting_institution")
        # The verify step wrote its own message (the notification) in its transaction; no relay has sent it.
        assert outbox()[1:] == [("workers.notifications.notify", {"application_id": application_id, "event": "awaiting_institution"}, True)]
        relay_app.close()
    finally:
        db.close()


# --- (e) a disclosure site that is down gets the record once it is back ----------------------------------------


def test_delivery_to_a_site_that_is_down_is_retried_until_it_arrives(db, settings, celery_app, workers, receiver):
    desk = factories.institution(db, name=factories.unique_name("重试医院"))
    (application_id,) = approved_applications(db, settings, desk, 1, "110105")
    receiver.fail_with = 503
    try:
        send(celery_app, ISSUE, [application_id])
        # 60 s: the session's workers may first work through what earlier modules queued (30 s ran out once in a
        # full CI run, never alone); what is asserted is the retrying, not the latency.
        wait_for(lambda: status_of(db, application_id) == "published", timeout=60)
        identifier = db.get(Application, application_id).identifier
        version_ids = select(PublicVersion.id).where(PublicVersion.identifier == identifier)
        wait_for(lambda: {d.status for d in fresh(db, Delivery, Delivery.version_id.in_(version_ids))} == {"retrying"})
        deliveries = fresh(db, Delivery, Delivery.version_id.in_(version_ids))
        assert sorted(d.channel for d in deliveries) == ["beijing", "national"]
        assert all(d.attempts >= 1 and d.last_error == "HTTP 503" for d in deliveries)
        assert identifier not in receiver.held("national")
    finally:
        receiver.fail_with = None

    db.execute(update(Delivery).where(Delivery.version_id.in_(version_ids)).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    # Due again: the sweep starts the backlog's lanes (publisher/backlog.py), which push them; nothing else would.
    sweep_once(settings)
    wait_for(lambda: {d.status for d in fresh(db, Delivery, Delivery.version_id.in_(version_ids))} == {"delivered"})
    assert identifier in receiver.held("national") and identifier in receiver.held("beijing")
    assert receiver.held("national")[identifier]["_version"] == 1
