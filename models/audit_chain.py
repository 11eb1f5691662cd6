"""Sealing and checking the audit log's hash chain (the rule itself is pipeline/audit_chain.py).

Writers only INSERT entries (models.audit.audit) and never wait on the chain. A sealer, run by beat every
few seconds (workers/audit.py), takes the committed entries that have no chain position yet in id order and
appends them to the chain: seq = last + 1, prev_hash = the last hash. An entry whose transaction commits late
(after an entry with a higher id was sealed) simply gets the next position when it becomes visible, so the
chain never has to be rewritten. One sealer at a time: on PostgreSQL a transaction-scoped advisory lock,
on SQLite the database's single writer (BEGIN IMMEDIATE).
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.audit import AuditEntry
from models.base import as_utc
from models.db import session_scope
from models.settings import Settings
from pipeline.audit_chain import GENESIS, Break, Sealed, chain_key, first_break, seal

SEAL_BATCH = 1000
ADVISORY_LOCK_KEY = 0x6D656472  # "medr": the sealer's PostgreSQL advisory lock


def content_of(entry: AuditEntry, seq: int) -> dict:
    """What the hash covers: every column but the hashes themselves."""
    return {
        "id": entry.id,
        "seq": seq,
        "at": as_utc(entry.at).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "division_code": entry.division_code,
        "detail": entry.detail or {},
    }


def lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def chain_head(session: Session) -> tuple[int, str]:
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.is_not(None))
                           .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def seal_pending(session: Session, secret: str, batch: int = SEAL_BATCH) -> int:
    """Append up to `batch` committed, unsealed entries to the chain; how many were sealed."""
    lock_chain(session)
    seq, previous = chain_head(session)
    key = chain_key(secret)
    pending = session.scalars(select(AuditEntry).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id).limit(batch)).all()
    for entry in pending:
        seq += 1
        entry.seq, entry.prev_hash = seq, previous
        entry.hash = previous = seal(key, previous, content_of(entry, seq))
    session.flush()
    return len(pending)


def sealed_entries(session: Session, page: int = 5000) -> Iterator[Sealed]:
    """Every sealed entry in chain order, read a page at a time."""
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(page)
        ).all()
        if not rows:
            return
        for entry in rows:
            seq = entry.seq or 0  # selected by seq > after: never empty here
            yield Sealed(entry.id, seq, content_of(entry, seq), entry.prev_hash, entry.hash)
        after = rows[-1].seq or after
        session.expunge_all()


def verify_chain(session: Session, secret: str) -> tuple[Break | None, int, int]:
    """(the first break or None, how many entries are sealed, how many are not yet)."""
    broken = first_break(chain_key(secret), sealed_entries(session))
    sealed = session.scalar(select(func.count()).where(AuditEntry.seq.is_not(None))) or 0
    unsealed = session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) or 0
    return broken, sealed, unsealed


def seal_once(settings: Settings) -> int:
    """Seal every committed entry not yet in the chain, a batch per transaction; how many were sealed."""
    total = 0
    while True:
        with session_scope(settings.database_url) as session:
            sealed = seal_pending(session, settings.secret)
        total += sealed
        if sealed < SEAL_BATCH:
            return total
