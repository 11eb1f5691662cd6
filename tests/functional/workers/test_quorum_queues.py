"""Quorum queues, as docs/operations.md advises for production: with MEDREG_QUEUE_TYPE=quorum a worker consumes from
them. Celery recognises a quorum queue only by its declared `x-queue-type`; without it the worker asked for a global
QoS, which RabbitMQ refuses on a quorum queue, and it reconnected forever without consuming (every application
wedged). A vhost of its own whose default queue type is quorum, as the documented set-up creates it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import RABBIT
from tests.journeys import wait_for

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def quorum_vhost():
    name = f"medreg_quorum_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name, "--default-queue-type", "quorum"], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True)


def queues(vhost: str) -> dict[str, tuple[str, int, int]]:
    """name -> (type, consumers, messages)"""
    listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type", "consumers", "messages",
                              "--no-table-headers"], capture_output=True, text=True).stdout
    found = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
            found[parts[0]] = (parts[1], int(parts[2]), int(parts[3]))
    return found


def test_a_worker_consumes_from_quorum_queues(settings, quorum_vhost, tmp_path):
    broker_url = f"{RABBIT}/{quorum_vhost}"
    environment = {**os.environ, "MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": broker_url,
                   "MEDREG_SECRET": settings.secret, "MEDREG_CHANNELS": "[]", "MEDREG_WORKER_RELAY": "0",
                   "MEDREG_QUEUE_TYPE": "quorum"}
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", "verify,notify", "-c", "1",
             "-n", f"quorum-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: all(queues(quorum_vhost).get(name, ("", 0, 0))[1] >= 1 for name in ("verify", "notify")), timeout=45,
                 every=0.5)
        assert {queues(quorum_vhost)[name][0] for name in ("verify", "notify")} == {"quorum"}
        # A message on a quorum queue is taken and done (the audit seal: harmless on the test database).
        subprocess.run([sys.executable, "-c", "from workers.app import app; app.send_task('workers.audit.seal')"],
                       cwd=ROOT, env=environment, check=True, timeout=60)
        wait_for(lambda: queues(quorum_vhost)["notify"][2] == 0, timeout=30, every=0.5)
        assert "global qos" not in (tmp_path / "worker.log").read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
