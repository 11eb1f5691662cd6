"""How a task walks its items: one transaction per message, one savepoint per application."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application
from models.db import session_scope
from models.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[Session, Application], None]


def application_ids(items: Iterable[dict]) -> list[int]:
    return sorted({int(item["application_id"]) for item in items})


def for_each_application(settings: Settings, items: list[dict], statuses: set[str], handle: Handler) -> int:
    """Run `handle` on each application still in one of `statuses`; others were already done (a redelivery).

    Rows are locked in id order so two workers given the same message wait for each other instead of
    both acting; a failure in one application rolls back only its own savepoint.
    """
    done = 0
    with session_scope(settings.database_url) as session:
        query = (
            select(Application)
            .where(Application.id.in_(application_ids(items)))
            .order_by(Application.id)
            .with_for_update()
        )
        for application in session.scalars(query):
            if application.status not in statuses:
                continue
            try:
                with session.begin_nested():
                    handle(session, application)
                done += 1
            except Exception:
                log.exception("application %s failed in %s; the sweeper will offer it again", application.id, handle.__name__)
    return done
