"""The physician's practice record as its owner sees it: every institution and every change of the entry."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Institution, PhysicianRegistration
from pipeline import clock
from pipeline.registers.physicians import STATUS_REASON_LABELS, status_label


def practice_json(session: Session, entry: PhysicianRegistration) -> dict:
    """Institutions (current and past, with their periods), the status reason and the register history."""
    names = {i.id: i.name for i in session.query(Institution).filter(
        Institution.id.in_({p.institution_id for p in entry.practices} | {entry.institution_id}))}
    # An entry registered and never moved since has no status_since of its own: it is registered since the day it was
    # registered, as its public record says (publisher.allowlist.with_status_since).
    since = entry.status_since or (entry.registered_on if entry.status == "registered" else None)
    return {
        "status_label": status_label(entry.status),
        "status_reason": STATUS_REASON_LABELS.get(entry.status_reason, entry.status_reason) if entry.status_reason else None,
        "status_since": since.isoformat() if since else None,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "institutions": [
            {"id": p.institution_id, "name": names.get(p.institution_id, ""), "main": p.main,
             "since": p.since.isoformat(), "until": p.until.isoformat() if p.until else None,
             "current": p.until is None}
            for p in sorted(entry.practices, key=lambda p: (p.until is not None, not p.main, p.id))
        ],
        "history": [
            {"at": clock.iso(e.at), "event": e.event, "actor": e.actor, "from": e.from_status, "to": e.to_status,
             "changes": e.changes, "comment": e.comment, "application_id": e.application_id}
            for e in entry.history
        ],
    }

