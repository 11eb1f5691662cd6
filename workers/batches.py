"""How a stage task walks its work: one transaction per message, claiming every application that waits.

A message names some applications, but the task also claims others waiting in the same stage (up to
CLAIM_LIMIT), so batches grow with the backlog: under load, later messages find their applications
already done and finish with one cheap query. Rows are locked with SKIP LOCKED, so two workers never
act on the same application; an application is acted on only while still in the stage's status, so a
redelivered message changes nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from models import Application
from models.db import session_scope
from models.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[Session, Application], None]
CLAIM_LIMIT = 100


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
        for application in session.scalars(_claim_query(session, ids, claim)):
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
                log.exception("application %s failed in %s; the sweeper will offer it again", application.id, handle.__name__)
    return done


def _claim_query(session: Session, ids: list[int], claim: ColumnElement[bool] | None):
    wanted = Application.id.in_(ids) if claim is None else or_(Application.id.in_(ids), claim)
    query = select(Application).where(wanted).order_by(Application.id).limit(len(ids) + CLAIM_LIMIT)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query
