"""Fixtures on the real stack: a fresh PostgreSQL database per run, a RabbitMQ vhost per run,
real Celery workers (celery.contrib.testing.worker, in threads), the outbox relay, the portal over
WebTest, and a real HTTP receiver on 127.0.0.1 for the disclosure channels.

tests/unit/ uses none of these (`pytest -m unit` runs without servers); tests/functional/ and tests/browser/ do.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN_URL = os.environ.get("MEDREG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBIT = os.environ.get("MEDREG_TEST_RABBIT", "amqp://guest:guest@127.0.0.1:5672")
RUN_ID = uuid.uuid4().hex[:10]
# The tests run the relay themselves (a thread beside the test worker) or on purpose not at all, so
# the relay embedded in every worker is off here, for in-process and subprocess workers alike.
os.environ["MEDREG_WORKER_RELAY"] = "0"


@contextmanager
def migrated_database(name: str) -> Iterator[str]:
    """A new PostgreSQL database `name` at the newest schema, dropped afterwards (however its users left it)."""
    from sqlalchemy import create_engine, pool, text

    from models.db import engine_for
    from models.migrate import upgrade

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url():
    with migrated_database(f"medreg_test_{RUN_ID}") as url:
        yield url


@pytest.fixture(scope="session")
def broker_url():
    vhost = f"medreg_test_{RUN_ID}"
    made = subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], capture_output=True).returncode == 0
    if made:
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True)
        yield f"{RABBIT}/{vhost}"
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)
    else:
        yield f"{RABBIT}//"


@pytest.fixture(scope="session")
def receiver():
    from publisher.receiver import Receiver

    secrets = {"national": "national-secret", "beijing": "beijing-secret", "shanghai": "shanghai-secret"}
    with Receiver(secrets) as running:
        yield running


@pytest.fixture(scope="session")
def settings(database_url, broker_url, receiver, tmp_path_factory):
    from models.settings import Channel, Settings
    from publisher.licence_keys import new_keyring_document

    channels = (
        Channel(name="national", url=receiver.url("national"), prefix="", secret="national-secret", format="json"),
        Channel(name="beijing", url=receiver.url("beijing"), prefix="11", secret="beijing-secret", format="json"),
        Channel(name="shanghai", url=receiver.url("shanghai"), prefix="31", secret="shanghai-secret", format="fhir"),
    )
    return Settings(
        database_url=database_url,
        broker_url=broker_url,
        secret="test-secret-" + RUN_ID,
        sms_backend=f"file:{tmp_path_factory.mktemp('sms')}/sms.jsonl",
        channels=channels,
        licence_keys=json.dumps(new_keyring_document("test-1")),
        # The tests' own receiver and webhooks listen on 127.0.0.1: allowed here, refused by default (test_ssrf.py).
        allowed_push_networks=("127.0.0.1/32",),
        # The whole suite logs in from one address; tests/functional/security/ checks the default limit.
        client_failure_limit=100_000,
        reset_requests_per_client=100_000,
        # Sign-ups, activations and resets are many in the suite: tests/functional/security/test_answer_times.py checks
        # the production floor.
        uniform_answer_seconds=0.0,
        audit_checkpoints=str(tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"),
    )


@pytest.fixture(scope="session")
def celery_app(settings):
    from workers.app import app, configure

    configure(app, settings)
    return app


@pytest.fixture(scope="session")
def workers(celery_app):
    """Real Celery workers on every queue of the local RabbitMQ, plus the outbox relay."""
    from celery.contrib.testing.worker import start_worker

    from workers.app import QUEUES
    from workers.relay import run_relay

    stop = threading.Event()
    relay = threading.Thread(target=run_relay, args=(celery_app, celery_app.conf.medreg, stop), daemon=True)
    relay.start()
    # Threads, not solo: a solo worker with prefetch 1 and late acks waits on its event loop between
    # messages (about 15 messages/s in a burst here), which made the tests slow and stall for seconds.
    with start_worker(
        celery_app, pool="threads", concurrency=2, queues=list(QUEUES), perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ) as worker:
        yield worker
    stop.set()
    relay.join(timeout=10)


@pytest.fixture(scope="session")
def wsgi_app(settings):
    """The portal, with every JSON answer under /api/v1/ checked against the OpenAPI document it serves."""
    from webtest import TestApp

    from portal import make_config
    from tests.openapi_check import OpenApiCheck

    app = make_config({}, settings).make_wsgi_app()
    CHECKS.append(check := OpenApiCheck(app, TestApp(app).get("/api/v1/openapi.json").json))
    return check


CHECKS: list = []  # the OpenApiCheck of this run (tests/openapi_check.py), once `wsgi_app` is set up


def openapi_violations(phase: str):
    """A wrapper of one test phase: it fails if an answer of the API did not match the document meanwhile."""
    def found() -> list[str]:
        return [violation for check in CHECKS for violation in check.take()]

    try:
        result = yield
    except BaseException as error:
        if violations := found():
            error.add_note("answers of /api/v1 that do not match /api/v1/openapi.json:\n" + "\n".join(violations))
        raise
    if violations := found():
        raise AssertionError(f"answers of /api/v1 during {phase} do not match /api/v1/openapi.json:\n" + "\n".join(violations))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from openapi_violations("set-up"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from openapi_violations("the test"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from openapi_violations("tear-down"))


@pytest.fixture
def api(wsgi_app):
    from webtest import TestApp

    return TestApp(wsgi_app)


@pytest.fixture
def db(settings):
    """A session for arranging and inspecting data directly; tests commit what the portal must see."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    yield session
    session.commit()
    session.close()
