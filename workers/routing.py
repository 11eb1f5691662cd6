"""The `route` stage: hand a confirmed application to the commission with jurisdiction (models/routing.py)."""
from __future__ import annotations

from models import Application
from models.routing import route_application
from pipeline.lifecycle import Status
from workers.app import app, retried, settings_of
from workers.batches import for_each_application


@app.task(name="workers.routing.route", bind=True)
@retried
def route(self, items: list[dict]) -> int:
    waiting = (Application.status == Status.pending_approval) & Application.commission_code.is_(None)
    return for_each_application(settings_of(self.app), items, {Status.pending_approval}, route_application, claim=waiting)
