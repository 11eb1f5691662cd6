"""The outbox relay: publish committed outbox rows to RabbitMQ with publisher confirms, then mark them sent.

Rows of one task are coalesced into messages of up to BATCH items, so a busy pipeline spends one broker
round trip and one worker transaction per batch rather than per application. If the relay dies after
publishing and before marking, the rows go out again; every task is idempotent, so that is harmless.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections import defaultdict

from celery import Celery, bootsteps
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import OutboxMessage
from models.base import utcnow
from models.db import dialect_of, session_scope
from models.settings import Settings

log = logging.getLogger(__name__)

BATCH = 50
ROWS_PER_PASS = 1000


def relay_once(celery_app: Celery, settings: Settings) -> int:
    """One pass: publish up to ROWS_PER_PASS pending rows. Returns how many were sent."""
    with session_scope(settings.database_url) as session:
        rows = pending_rows(session)
        if not rows:
            return 0
        by_task: dict[str, list[dict]] = defaultdict(list)
        for row_id, task, payload in rows:
            by_task[task].append({**payload, "outbox_id": row_id})
        with celery_app.producer_or_acquire() as producer:
            for task, items in by_task.items():
                for start in range(0, len(items), BATCH):
                    celery_app.send_task(task, args=[items[start : start + BATCH]], producer=producer)
        sent_ids = [row_id for row_id, _, _ in rows]
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(sent_ids)).values(sent_at=utcnow()))
        return len(rows)


def pending_rows(session: Session) -> list[tuple[int, str, dict]]:
    """Plain (id, task, payload) tuples: the relay never needs ORM objects."""
    query = (
        select(OutboxMessage.id, OutboxMessage.task, OutboxMessage.payload)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(ROWS_PER_PASS)
    )
    if dialect_of(session) == "postgresql":
        # Several relays may run; each takes rows the others have not locked.
        query = query.with_for_update(skip_locked=True)
    return [tuple(row) for row in session.execute(query)]


def run_relay(celery_app: Celery, settings: Settings, stop: threading.Event | None = None, idle_sleep: float = 0.02) -> None:
    """Relay until `stop` is set (or forever). Errors are logged and retried: nothing is lost, only delayed."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            sent = relay_once(celery_app, settings)
        except Exception:
            log.exception("outbox relay pass failed; retrying")
            sent = 0
            stop.wait(1.0)
        if sent == 0:
            stop.wait(idle_sleep)


class EmbeddedRelay(bootsteps.StartStopStep):
    """The relay (`python -m workers relay`, which `medreg relay` runs) started beside every worker, so
    `celery -A workers worker` alone moves the outbox.

    A child process rather than a thread: a prefork worker forks its pool processes whenever it
    replaces one, and a thread holding a lock at that moment would leave the child stuck on it.
    Several relays are safe on PostgreSQL (SKIP LOCKED), and a row sent twice only makes an idempotent
    task run twice. MEDREG_WORKER_RELAY=0 turns it off (the tests, `medreg demo`).

    The worker looks after its relay on its own timer (the event loop's, no thread of ours): a relay that died (killed,
    out of memory) is started again within WATCH_SECONDS, and the relay leaves when its worker is gone (killed with
    SIGKILL, it could not stop it), so neither a dead relay nor an orphan outlives a crash.
    """

    requires = ("celery.worker.components:Timer",)
    WATCH_SECONDS = 2.0

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.process: subprocess.Popen | None = None
        self.watching = None
        self.stopping = False

    def start(self, worker) -> None:
        self.spawn()
        self.watching = worker.timer.call_repeatedly(self.WATCH_SECONDS, self.watch)

    def spawn(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "workers", "relay", "--parent", str(os.getpid())],
                                        stdin=subprocess.DEVNULL)

    def watch(self) -> None:
        if self.stopping or self.process is None or self.process.poll() is None:
            return
        log.warning("发件箱转发子进程已退出（退出码 %s），重新启动", self.process.returncode)
        self.spawn()

    def stop(self, worker) -> None:
        self.stopping = True
        if self.watching is not None:
            self.watching.cancel()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def embedded_relay_enabled() -> bool:
    return os.environ.get("MEDREG_WORKER_RELAY", "1").strip().lower() not in ("0", "false", "no", "off")
