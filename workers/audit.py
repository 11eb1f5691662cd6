"""Sealing the audit log's hash chain in beat (see models/audit_chain.py for why it runs after commit)."""
from __future__ import annotations

from models.audit_chain import SEAL_BATCH, seal_pending
from models.db import session_scope
from models.settings import Settings
from workers.app import app, settings_of

SEAL_EVERY_SECONDS = 5.0


def seal_once(settings: Settings) -> int:
    """Seal every committed entry not yet in the chain, a batch per transaction; how many were sealed."""
    total = 0
    while True:
        with session_scope(settings.database_url) as session:
            sealed = seal_pending(session, settings.secret)
        total += sealed
        if sealed < SEAL_BATCH:
            return total


@app.task(name="workers.audit.seal", bind=True)
def seal(self, items: list[dict] | None = None) -> int:
    return seal_once(settings_of(self.app))
