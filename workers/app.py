"""The Celery application: one queue per stage, late acknowledgement, prefetch 1.

Every task takes a list of items (dicts) so the relay can hand a worker many applications in one message;
each item is processed under its own savepoint and guarded by the application's current status, so a
message delivered twice changes nothing the second time.
"""
from __future__ import annotations

import functools
import os
import random
import time
from collections.abc import Callable
from typing import Any, NoReturn

from celery import Celery, Task, signals
from celery.exceptions import Retry
from kombu import Exchange, Queue

from models.completeness import check as check_kinds
from models.outbox import STAGE_QUEUES
from models.settings import Settings, load_settings, require_secret

QUEUES = STAGE_QUEUES

TASK_QUEUES = {
    "workers.verification.verify": "verify",
    "workers.notifications.notify": "notify",
    "workers.notifications.send_sms": "notify",
    "workers.maintenance.sweep": "notify",
    "workers.expiry.short_term_practice": "notify",
    "workers.expiry.nurse_registrations": "notify",
    "workers.audit.seal": "notify",
    "workers.alerts.deliver": "notify",
    "workers.alerts.retry_due": "notify",
    "workers.institution_checks.flag_verification_due": "notify",
    "workers.summaries.refresh": "notify",
    "workers.batch_uploads.process": "verify",
    "workers.routing.route": "route",
    "workers.identifiers.issue": "issue",
    "workers.publication.publish": "publish",
    "workers.publication.deliver": "publish",
}


# A task that carries work from the outbox and fails as a whole (its database connection cut mid-task, the SMS gateway
# or a webhook down) is tried again by the worker: acknowledged as failed, its message would be gone, and for a
# notification or an SMS nothing else knows it is owed. Every such task is idempotent, so a retry is harmless; one
# application that cannot be handled never fails its batch (workers/batches.py), so what is retried is an outage.
# The pause is taken in the task, its message still unacknowledged (a worker killed meanwhile hands it back), and the
# retry is sent for now: no countdown or ETA message, which quorum queues would not hold (docs/operations.md).
# Pauses of 1, 2, 4 … seconds (jittered), then 15 to 30, for about six hours. Periodic tasks are not retried: beat sends
# them again.
RETRY_PAUSE_MAX = 30.0
RETRIES = 1000


def retry_later(task: Task, error: Exception, args: list | None = None) -> NoReturn:
    """Pause, then send the task (or `args` of it: what is left to do) again; the error itself once retries run out."""
    if task.request.retries >= RETRIES:
        raise error
    time.sleep(min(RETRY_PAUSE_MAX, 2.0 ** task.request.retries) * random.uniform(0.5, 1.0))
    raise task.retry(args=args, exc=error, countdown=0, max_retries=RETRIES)


def retried(run: Callable[..., int]) -> Callable[..., int]:
    """The body of a bound task that carries work: a failure of the whole is retried (retry_later)."""

    @functools.wraps(run)
    def task(self: Task, *args: Any, **kwargs: Any) -> int:
        try:
            return run(self, *args, **kwargs)
        except Retry:
            raise
        except Exception as error:
            retry_later(self, error)

    return task


def queue_arguments() -> dict[str, str] | None:
    """MEDREG_QUEUE_TYPE=quorum declares the stage queues as quorum queues. Celery knows a quorum queue only by this
    argument: without it, a worker asks RabbitMQ for a global QoS, which quorum queues refuse (NOT_IMPLEMENTED), and it
    reconnects forever without consuming a message, even where the vhost's default queue type made them quorum."""
    kind = os.environ.get("MEDREG_QUEUE_TYPE", "").strip().lower()
    if kind in ("", "classic"):
        return None
    if kind == "quorum":
        return {"x-queue-type": "quorum"}
    raise ValueError(f"MEDREG_QUEUE_TYPE 只能是 classic 或 quorum，而不是 {kind!r}")


def make_celery(settings: Settings) -> Celery:
    check_kinds()
    app = Celery("medreg", broker=settings.broker_url, include=[
        "workers.verification", "workers.notifications", "workers.routing",
        "workers.identifiers", "workers.publication", "workers.maintenance", "workers.audit", "workers.expiry",
        "workers.alerts", "workers.institution_checks", "workers.batch_uploads", "workers.summaries",
    ])
    exchange = Exchange("medreg", type="direct", durable=True)
    app.conf.update(
        task_queues=[Queue(name, exchange, routing_key=name, durable=True, queue_arguments=queue_arguments()) for name in QUEUES],
        task_default_queue="notify",
        task_default_exchange="medreg",
        task_routes={task: {"queue": queue, "routing_key": queue} for task, queue in TASK_QUEUES.items()},
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        # A worker killed mid-task must hand its message back, not acknowledge it.
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # A worker outlives any broker outage, however long (Celery's default gives up after 100 attempts, about 50
        # minutes, and exits), and cancels what it was running when the connection went: the message could no longer
        # be acknowledged, so RabbitMQ hands it out again and the task, idempotent, runs once more from the start.
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "sweep": {"task": "workers.maintenance.sweep", "schedule": 10.0},
            "lapse-short-term-practice": {"task": "workers.expiry.short_term_practice", "schedule": 3600.0},
            "expire-nurse-registrations": {"task": "workers.expiry.nurse_registrations", "schedule": 3600.0},
            "seal-audit-chain": {"task": "workers.audit.seal", "schedule": 5.0},
            "retry-staff-alert-webhooks": {"task": "workers.alerts.retry_due", "schedule": 30.0},
            "flag-institution-verification-due": {"task": "workers.institution_checks.flag_verification_due", "schedule": 6 * 3600.0},
            "refresh-statistics-summaries": {"task": "workers.summaries.refresh",
                                             "schedule": float(os.environ.get("MEDREG_SUMMARY_INTERVAL") or 600)},
        },
        timezone="Asia/Shanghai",
        enable_utc=True,
    )
    configure(app, settings)
    from workers.logs import use_quiet_beat

    use_quiet_beat(app)
    from workers.relay import EmbeddedRelay, embedded_relay_enabled

    if embedded_relay_enabled():
        app.steps["worker"].add(EmbeddedRelay)
    return app


def configure(celery_app: Celery, settings: Settings) -> None:
    """Point the app at a database and broker (the tests and `medreg demo` call this before starting workers)."""
    celery_app.conf.broker_url = settings.broker_url
    celery_app.conf.broker_transport_options = transport_options(settings.broker_url)
    celery_app.conf.medreg = settings


def transport_options(broker_url: str) -> dict:
    if broker_url.startswith(("sqla+", "sqlalchemy+")):
        # kombu passes these to create_engine(): wait on a busy SQLite file instead of failing at once.
        return {"connect_args": {"timeout": 60}}
    return {"confirm_publish": True}


# Importing the app needs no secret (the tests configure it); starting a worker or beat does.
app = make_celery(load_settings(require=False))


@signals.worker_init.connect
@signals.beat_init.connect
def refuse_without_secret(sender=None, **_: object) -> None:
    """A worker or beat without MEDREG_SECRET must not start: it would seal, sign and encrypt with nothing."""
    celery_app = getattr(sender, "app", None) or app
    require_secret(settings_of(celery_app))


def settings_of(celery_app: Celery) -> Settings:
    return celery_app.conf.medreg
