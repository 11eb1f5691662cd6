"""The stack a benchmark run owns: a fresh database and vhost, and the processes it starts and stops.

Every process is started in its own session (process group), so stopping it also stops the children
it forked (Celery's prefork pool), and nothing the run did not start is touched.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CELERY = str(Path(PYTHON).parent / "celery")
PG_ADMIN_URL = os.environ.get("MEDREG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBIT = os.environ.get("MEDREG_BENCH_RABBIT", "amqp://guest:guest@127.0.0.1:5672")
RECEIVER_SECRETS = {"national": "bench-national-secret", "beijing": "bench-beijing-secret"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Backing:
    """The run's own PostgreSQL database and RabbitMQ vhost."""

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    template: str | None = None  # a database to copy (e.g. a country loaded by bench/national.py --keep), else empty
    existing: str | None = None  # a database to run in as it is (written to, never dropped): a country too big to copy

    @property
    def name(self) -> str:
        return self.existing or f"medreg_bench_{self.run_id}"

    @property
    def database_url(self) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"

    @property
    def broker_url(self) -> str:
        return f"{RABBIT}/{self.name}"

    def create(self) -> None:
        from models.migrate import upgrade

        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            # FILE_COPY (PostgreSQL 15+) copies the files instead of writing every page to the WAL: a national
            # country (tens of GB) is copied in minutes, not an hour.
            copy = f' TEMPLATE "{self.template}" STRATEGY FILE_COPY' if self.template else ""
            if not self.existing:
                connection.execute(text(f'CREATE DATABASE "{self.name}"{copy}'))
        admin.dispose()
        upgrade(self.database_url)
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", self.name], check=True, capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", self.name, "guest", ".*", ".*", ".*"], check=True, capture_output=True
        )

    def drop(self) -> None:
        from models.db import engine_for

        engine_for(self.database_url).dispose()
        if not self.existing:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.name], capture_output=True)


@dataclass
class Started:
    kind: str  # portal, worker, relay, receiver: the label CPU time is added up under
    argv: list[str]
    popen: subprocess.Popen
    log: Path


class Processes:
    """The subprocesses of one run, with their environment and logs."""

    def __init__(self, environment: dict[str, str], log_dir: Path) -> None:
        self.environment = {**os.environ, **environment, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.log_dir = log_dir
        self.started: list[Started] = []

    def start(self, kind: str, argv: list[str], name: str) -> Started:
        log = self.log_dir / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(
                argv, cwd=ROOT, env=self.environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        item = Started(kind, argv, popen, log)
        self.started.append(item)
        return item

    def forget(self, item: Started) -> None:
        """Stop one process and leave it out of the run (a portal command that failed to come up)."""
        _signal_group(item.popen, signal.SIGKILL)
        item.popen.wait()
        self.started.remove(item)

    def check_alive(self) -> None:
        for item in self.started:
            if item.popen.poll() is not None:
                tail = item.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{item.kind} process exited with {item.popen.returncode}: {' '.join(item.argv)}\n{tail}")

    def stop_all(self, grace: float = 15.0) -> None:
        for item in self.started:
            _signal_group(item.popen, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for item in self.started:
            try:
                item.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(item.popen, signal.SIGKILL)
            item.popen.wait()
        self.started.clear()


def _signal_group(popen: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(popen.pid, signum)  # the group we created with start_new_session
    except ProcessLookupError:
        pass


def channels_json(receiver_port: int) -> str:
    return json.dumps([
        {"name": "national", "url": f"http://127.0.0.1:{receiver_port}/national", "prefix": "",
         "secret": RECEIVER_SECRETS["national"], "format": "json"},
        {"name": "beijing", "url": f"http://127.0.0.1:{receiver_port}/beijing", "prefix": "11",
         "secret": RECEIVER_SECRETS["beijing"], "format": "json"},
    ])


def receiver_argv(port: int) -> list[str]:
    code = (
        "from publisher.receiver import Receiver; import json, sys; "
        f"Receiver(json.loads(sys.argv[1]), port={port}).serve_forever()"
    )
    return [PYTHON, "-c", code, json.dumps(RECEIVER_SECRETS)]


def portal_argv(how: str, port: int, threads: int) -> list[str]:
    """`medreg serve` (how="medreg"), or waitress serving the same app with `threads` threads."""
    if how == "medreg":
        return [str(Path(PYTHON).parent / "medreg"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    code = (
        "import waitress, portal; "
        f"waitress.serve(portal.main(), host='127.0.0.1', port={port}, threads={threads}, "
        "connection_limit=1000, channel_timeout=300, _quiet=True)"
    )
    return [PYTHON, "-c", code]


def relay_argv() -> list[str]:
    return [PYTHON, "-c", "from workers.app import app; from workers.relay import run_relay; run_relay(app, app.conf.medreg)"]


def worker_argv(name: str, queues: str, pool: str, concurrency: int) -> list[str]:
    return [
        CELERY, "-A", "workers", "worker", "-n", f"{name}@%h", "-Q", queues, "-P", pool, "-c", str(concurrency),
        "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "-l", "INFO",
    ]


def queue_consumers(vhost: str) -> dict[str, int]:
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "consumers", "--no-table-headers"],
        capture_output=True, text=True,
    ).stdout
    consumers = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            consumers[parts[0]] = int(parts[1])
    return consumers


def wait_until(check, what: str, timeout: float, processes: Processes | None = None, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        if processes is not None:
            processes.check_alive()
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)
