"""Batch submissions: check the rows of an uploaded CSV in chunks (progress is committed as it goes), then submit
every valid row in one transaction. The rule is in models/batches.py."""
from __future__ import annotations

from models import Batch, batches
from models.db import session_scope
from models.settings import Settings
from workers.app import app, retried, settings_of


def process_batch_once(settings: Settings, batch_id: int) -> str:
    """Run a batch to its end; safe to run twice (it picks up where the last run stopped)."""
    while True:
        with session_scope(settings.database_url) as session:
            batch = session.get(Batch, batch_id, with_for_update=True)
            if batch is None or batch.status == "done":
                return batch.status if batch else "missing"
            if batch.checked < batch.total:
                batches.check_rows(session, settings, batch)
                continue
            batches.submit_valid_rows(session, settings, batch)
            return batch.status


@app.task(name="workers.batch_uploads.process", bind=True)
@retried
def process(self, items: list[dict]) -> int:
    settings = settings_of(self.app)
    return sum(process_batch_once(settings, int(item["batch_id"])) == "done" for item in items)
