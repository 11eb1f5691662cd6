"""`celery -A workers worker` alone runs the pipeline: the relay embedded in the worker moves the outbox,
with no `medreg relay` process and no beat. Its own database and vhost, so no other worker sees it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from webtest import TestApp

from models import OutboxMessage
from models.db import engine_for, session_factory
from models.migrate import upgrade
from models.outbox import enqueue
from portal import make_config
from tests.conftest import PG_ADMIN_URL, RABBIT
from tests.journeys import (
    commission_desk,
    institution_desk,
    login,
    person_account,
    submit_first_registration,
    wait_for,
    wait_routed,
    wait_status,
)
from workers.app import QUEUES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_stack(settings):
    """A database and a RabbitMQ vhost of their own."""
    name = f"medreg_relay_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], check=True, capture_output=True)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield replace(settings, database_url=url, broker_url=f"{RABBIT}/{name}", channels=())
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True)


def test_a_worker_alone_takes_an_application_to_published(own_stack, tmp_path):
    settings = own_stack
    environment = {
        **os.environ,
        "MEDREG_DATABASE_URL": settings.database_url,
        "MEDREG_BROKER_URL": settings.broker_url,
        "MEDREG_SECRET": settings.secret,
        "MEDREG_SMS_BACKEND": settings.sms_backend,
        "MEDREG_CHANNELS": "[]",
        "MEDREG_WORKER_RELAY": "1",
    }
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", ",".join(QUEUES), "-c", "2",
             "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    api = TestApp(make_config({}, settings).make_wsgi_app())
    db = session_factory(settings.database_url)()
    try:
        desk = institution_desk(api, db)
        _, commission = commission_desk(api, db)
        person = person_account(db, settings, desk.id)
        db.commit()
        person["headers"] = login(api, person["mobile"])

        application_id = submit_first_registration(api, person, desk.id)["id"]
        wait_status(api, person["headers"], application_id, "awaiting_institution", timeout=60)
        api.post_json(f"/api/v1/institution/tasks/{application_id}", {"decision": "confirm"}, headers=desk.headers)
        wait_routed(api, commission, application_id, timeout=60)
        api.post_json(f"/api/v1/commission/queue/{application_id}", {"decision": "approve"}, headers=commission)
        published = wait_status(api, person["headers"], application_id, "published", timeout=60)
        assert published["identifier"]
        assert api.get(f"/api/v1/public/records/{published['identifier']}").json["name"] == person["name"]
    finally:
        db.close()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]


def relay_children(worker_pid: int) -> list[int]:
    """The worker's relay child processes (its pool processes are its children too)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == worker_pid and b"workers" in command and b"relay" in command:
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_worker_starts_its_relay_again_when_it_dies_and_the_relay_leaves_with_its_worker(own_stack, tmp_path):
    settings = own_stack
    environment = {**os.environ, "MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": settings.broker_url,
                   "MEDREG_SECRET": settings.secret, "MEDREG_CHANNELS": "[]", "MEDREG_WORKER_RELAY": "1"}
    queue = f"test-relay-{uuid.uuid4().hex[:8]}"  # the worker consumes nothing the relay sends: only the relay is watched
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", queue, "-c", "1",
             "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    db = session_factory(settings.database_url)()
    relays: list[int] = []
    try:
        (first,) = wait_for(lambda: relay_children(worker.pid), timeout=60)
        relays.append(first)
        os.kill(first, signal.SIGKILL)  # out of memory, an operator's kill: the worker itself goes on
        (second,) = wait_for(lambda: [pid for pid in relay_children(worker.pid) if pid != first], timeout=20)
        relays.append(second)

        # The new relay moves the outbox (no beat, no `medreg relay`: nothing else would).
        enqueue(db, "workers.audit.seal")
        db.commit()
        wait_for(lambda: db.rollback() or db.scalar(select(func.count()).select_from(OutboxMessage)
                                                     .where(OutboxMessage.sent_at.is_(None))) == 0, timeout=20)

        # The worker is killed outright: its relay does not stay behind as an orphan.
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        wait_for(lambda: not alive(second), timeout=20)
    finally:
        db.close()
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        for pid in relays:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
