"""A task that fails as a whole — its database connection is cut mid-task, the SMS gateway is down — is tried again
by the worker, not acknowledged as failed and dropped: nothing but its message knows a notification or an SMS is owed
(the sweeper re-offers applications, the backlog deliveries, nothing re-offers these).

Each test runs a `celery worker` process of its own on a private queue (tests/functional/test_no_lost_work.py), so
what is asserted is what a real worker does with a real broker and database.
"""
from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import func, select, text

from models import Notification
from models.db import session_factory
from tests import factories
from tests.functional.test_no_lost_work import approved_applications, now, private_queue, wait_consumers, worker_process
from tests.journeys import wait_for

NOTIFY, SEND_SMS = "workers.notifications.notify", "workers.notifications.send_sms"


def send_to(celery_app, task: str, items: list[dict], queue: str) -> None:
    celery_app.send_task(task, args=[items], queue=queue, exchange=queue, routing_key=queue)


def notifications_of(db, application_id: int) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Notification).where(Notification.application_id == application_id))


def waiting_on_notifications(observer, since) -> set[int]:
    """Sessions opened after `since` that wait for a lock while writing a notification (the worker's, not a test's)."""
    observer.rollback()
    return set(observer.scalars(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
        " AND backend_start > :since AND query ILIKE '%notifications%'"), {"since": since}))


def test_a_notification_whose_database_connection_is_cut_mid_task_is_written_on_a_retry(db, settings, celery_app, tmp_path):
    desk = factories.institution(db, name=factories.unique_name("断连医院"))
    (application_id,) = approved_applications(db, settings, desk, 1, "110105")
    queue = private_queue("notify")
    observer = session_factory(settings.database_url)()
    try:
        started = now(observer)
        with worker_process(settings, queue, tmp_path):
            wait_consumers(celery_app, queue, 1)
            # Reads go on, writes of notifications wait: the worker sits inside the task, its insert not committed.
            db.execute(text("LOCK TABLE notifications IN EXCLUSIVE MODE"))
            send_to(celery_app, NOTIFY, [{"application_id": application_id, "event": "published"}], queue)
            waiters = wait_for(lambda: waiting_on_notifications(observer, started))
            # The database cuts the worker's connection (a failover, a proxy, an operator): the task fails as a whole.
            observer.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"),
                             {"pids": sorted(waiters)})
            observer.commit()
            db.rollback()  # the lock goes; a retry finds the table free

            wait_for(lambda: notifications_of(observer, application_id) > 0, timeout=30)
    finally:
        db.rollback()
        observer.close()
    # Told once: the failed attempt wrote nothing, the retry wrote the person's inbox entry.
    assert notifications_of(db, application_id) == 1


def test_an_event_that_cannot_be_told_leaves_the_others_of_its_message_told_once(db, settings, celery_app, tmp_path):
    desk = factories.institution(db, name=factories.unique_name("坏消息医院"))
    first, second = approved_applications(db, settings, desk, 2, "110105")
    queue = private_queue("notify")
    with worker_process(settings, queue, tmp_path):
        wait_consumers(celery_app, queue, 1)
        send_to(celery_app, NOTIFY, [{"application_id": first, "event": "published"},
                                     {"application_id": "不是编号", "event": "published"},  # one item that cannot be handled
                                     {"application_id": second, "event": "published"}], queue)
        wait_for(lambda: notifications_of(db, first) and notifications_of(db, second), timeout=30)
    assert (notifications_of(db, first), notifications_of(db, second)) == (1, 1)


class Gateway:
    """An SMS gateway that answers 503 to its first `failures` requests (down for a while), then 200; and 400 to a
    number it never takes."""

    def __init__(self, failures: int, refuses: str = "") -> None:
        self.failures, self.refuses, self.received, self.refused = failures, refuses, [], 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body["to"] == gateway.refuses:
                    gateway.refused += 1
                    self.send_response(400)
                elif gateway.refused < gateway.failures:
                    gateway.refused += 1
                    self.send_response(503)
                else:
                    gateway.received.append(body)
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_sms_the_gateway_refuses_for_a_while_is_sent_once_it_is_back(settings, celery_app, tmp_path):
    queue = private_queue("notify")
    with Gateway(failures=2) as gateway, worker_process(replace(settings, sms_backend=gateway.url), queue, tmp_path):
        wait_consumers(celery_app, queue, 1)
        send_to(celery_app, SEND_SMS, [{"to": "13800000000", "text": "您的申请已办结"}], queue)
        wait_for(lambda: gateway.received, timeout=30)
        assert gateway.refused == 2
    assert [(sms["to"], sms["text"]) for sms in gateway.received] == [("13800000000", "您的申请已办结")]


def test_an_sms_the_gateway_keeps_refusing_is_retried_alone(settings, celery_app, tmp_path):
    queue = private_queue("notify")
    with Gateway(failures=0, refuses="13900000000") as gateway, \
            worker_process(replace(settings, sms_backend=gateway.url), queue, tmp_path):
        wait_consumers(celery_app, queue, 1)
        send_to(celery_app, SEND_SMS, [{"to": "13800000001", "text": "甲"}, {"to": "13900000000", "text": "乙"},
                                       {"to": "13800000002", "text": "丙"}], queue)
        wait_for(lambda: gateway.refused >= 3, timeout=40)  # tried again and again
        # Its neighbours went once, however often it is retried.
        assert sorted((sms["to"], sms["text"]) for sms in gateway.received) == [("13800000001", "甲"), ("13800000002", "丙")]
