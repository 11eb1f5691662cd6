"""Sealing the audit log's hash chain in beat (see models/audit_chain.py for why it runs after commit)."""
from __future__ import annotations

from models.audit_chain import seal_once
from workers.app import app, settings_of


@app.task(name="workers.audit.seal", bind=True)
def seal(self, items: list[dict] | None = None) -> int:
    return seal_once(settings_of(self.app))
