"""Celery beat refreshes the summaries the statistics read (models/summaries.py)."""
from __future__ import annotations

from models.db import session_scope
from models.settings import Settings
from models.summaries import refresh_processing, refresh_registers
from workers.app import app, settings_of


def refresh_once(settings: Settings) -> dict[str, int]:
    with session_scope(settings.database_url) as session:
        counts = {"register_groups": refresh_registers(session)}
    if not settings.is_sqlite:  # the histogram is computed in PostgreSQL's SQL; the demo counts live
        with session_scope(settings.database_url) as session:
            counts["processing_groups"] = refresh_processing(session)
    return counts


@app.task(name="workers.summaries.refresh", bind=True)
def refresh(self, items: list[dict] | None = None) -> dict[str, int]:
    return refresh_once(settings_of(self.app))
