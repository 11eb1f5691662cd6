"""How a stage task walks its work: one transaction per message, claiming every application that waits.

A message names some applications, but the task also claims others waiting in the same stage (up to
CLAIM_LIMIT), so batches grow with the backlog: under load, later messages find their applications
already done and finish with one cheap query. Rows are locked (the claimed ones with SKIP LOCKED), so
two workers never act on the same application; an application is acted on only while still in the
stage's status, so a redelivered message changes nothing.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models import Application
from models.db import dialect_of, session_scope
from models.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[Session, Application], None]
CLAIM_LIMIT = 100
# An application whose handler failed in this process is left out of the others a batch claims for this long
# (seconds): one that cannot be handled (bad data, a bug) then costs one failed batch per process and cool-off,
# instead of failing every batch of its stage, each redone one application at a time. Its own messages (the sweeper
# offers it again) still run it.
FAILED_COOL_OFF = 600.0
_failed: dict[int, float] = {}  # application id -> when it last failed here (time.monotonic)


def application_ids(items: Iterable[dict]) -> list[int]:
    return sorted({int(item["application_id"]) for item in items if "application_id" in item})


def for_each_application(
    settings: Settings,
    items: list[dict],
    statuses: set[str],
    handle: Handler,
    claim: ColumnElement[bool] | None = None,
) -> int:
    """Run `handle` on the named applications still in `statuses`, and on those `claim` selects.

    The batch runs in one go; if any application fails, the batch is rolled back and redone with a
    savepoint per application, so one bad application never holds up the others.
    """
    ids = application_ids(items)
    try:
        return _run(settings, ids, statuses, handle, claim, isolate=False)
    except Exception:
        log.warning("a batch of %s failed; redoing it application by application", handle.__name__)
        return _run(settings, ids, statuses, handle, claim, isolate=True)


def _run(settings, ids, statuses, handle, claim, isolate: bool) -> int:
    done = 0
    with session_scope(settings.database_url) as session:
        for application in _claimed(session, ids, claim):
            if application.status not in statuses:
                continue
            if not isolate:
                handle(session, application)
                done += 1
                continue
            try:
                with session.begin_nested():
                    handle(session, application)
                done += 1
            except Exception:
                _failed[application.id] = time.monotonic()
                log.exception("application %s failed in %s; the sweeper will offer it again", application.id, handle.__name__)
    return done


def _claimed(session: Session, ids: list[int], claim: ColumnElement[bool] | None) -> list[Application]:
    """The message's own applications (waiting for any worker that holds them), then up to CLAIM_LIMIT
    others waiting in the stage that no other worker holds.

    Own applications are never cut off by the limit: every waiting application has a message of its
    own, so none is left behind when a backlog drains.
    """
    locking = dialect_of(session) == "postgresql"
    own = select(Application).where(Application.id.in_(ids)).order_by(Application.id)
    claimed = list(session.scalars(own.with_for_update() if locking else own))
    if claim is not None:
        others = (select(Application).where(claim, Application.id.not_in(ids + _failed_lately()))
                  .order_by(Application.id).limit(CLAIM_LIMIT))
        claimed += session.scalars(others.with_for_update(skip_locked=True) if locking else others)
    return claimed


def _failed_lately() -> list[int]:
    """The applications that failed in this process within FAILED_COOL_OFF (older ones forgotten)."""
    now = time.monotonic()
    lately = []
    for application_id, at in list(_failed.items()):  # a copy: a thread pool's other batches may add meanwhile
        if now - at >= FAILED_COOL_OFF:
            _failed.pop(application_id, None)
        else:
            lately.append(application_id)
    return lately
