"""Sealing and checking the audit log's hash chain (the rule itself is pipeline/audit_chain.py).

Writers only INSERT entries (models.audit.audit) and never wait on the chain. A sealer, run by beat every
few seconds (workers/audit.py), takes the committed entries that have no chain position yet in id order and
appends them to the chain: seq = last + 1, prev_hash = the last hash. An entry whose transaction commits late
(after an entry with a higher id was sealed) simply gets the next position when it becomes visible, so the
chain never has to be rewritten. One sealer at a time: on PostgreSQL a transaction-scoped advisory lock,
on SQLite the database's single writer (BEGIN IMMEDIATE).
"""
from __future__ import annotations

import hmac
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.audit import AuditEntry
from models.base import as_utc, utcnow
from models.crypto import keyed_digest
from models.db import session_scope
from models.settings import Settings
from pipeline.audit_chain import DIGESTS, GENESIS, SEALING, Break, Sealed, chain_key, chain_keys, first_break, seal

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


def verify_chain(session: Session, secret: str | Sequence[str], checkpoints_path: str = "") -> tuple[Break | None, int, int]:
    """(the first break or None, how many entries are sealed, how many are not yet). Every configured secret is tried
    (newest first: a rotation leaves older entries under the old key); the signed checkpoints of `checkpoints_path`
    must verify and match the chain."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    try:
        checkpoints = read_checkpoints(checkpoints_path, secrets)
    except CheckpointError as error:
        return Break(0, error.seq, str(error)), 0, 0
    broken = first_break(chain_keys(secrets), sealed_entries(session), checkpoints)
    sealed = session.scalar(select(func.count()).where(AuditEntry.seq.is_not(None))) or 0
    unsealed = session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) or 0
    return broken, sealed, unsealed


def seal_once(settings: Settings) -> int:
    """Seal every committed entry not yet in the chain, a batch per transaction; how many were sealed. Each sealing
    transaction is followed by a signed checkpoint of the head (if a checkpoint file is configured)."""
    total = 0
    while True:
        with session_scope(settings.database_url) as session:
            sealed = seal_pending(session, settings.secret)
            head = chain_head(session)
        if sealed:
            write_checkpoint(settings, *head)
        total += sealed
        if sealed < SEAL_BATCH:
            return total


# --- signed checkpoints, outside the database ---------------------------------------------------------------


class CheckpointError(ValueError):
    def __init__(self, message: str, seq: int = 0) -> None:
        super().__init__(message)
        self.seq = seq


def checkpoint_body(seq: int, head: str, at: str) -> str:
    return json.dumps({"seq": seq, "hash": head, "at": at}, sort_keys=True, separators=(",", ":"))


def write_checkpoint(settings: Settings, seq: int, head: str) -> None:
    """Append `{"seq", "hash", "at", "sig"}` to the checkpoint file: the chain had `seq` entries ending in `head`.
    Signed with a key derived from MEDREG_SECRET, which the database never holds; the file is append-only (O_APPEND;
    operators make it so for the database user too, e.g. another host, `chattr +a`, a log shipper)."""
    if not settings.audit_checkpoints:
        return
    at = utcnow().isoformat(timespec="seconds")
    body = checkpoint_body(seq, head, at)
    line = json.dumps({"seq": seq, "hash": head, "at": at, "sig": keyed_digest(settings.secret, "audit-checkpoint", body, SEALING)})
    path = Path(settings.audit_checkpoints)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_checkpoints(path: str, secrets: Sequence[str]) -> dict[int, str]:
    """Chain position → hash of every checkpoint in the file; CheckpointError if one is not signed by a configured
    secret or they go backwards (the file was edited)."""
    if not path or not Path(path).exists():
        return {}
    found: dict[int, str] = {}
    last = 0
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            seq, head, at, sig = int(item["seq"]), str(item["hash"]), str(item["at"]), str(item["sig"])
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(f"检查点文件第 {number} 行格式有误（文件被改动）") from None
        body = checkpoint_body(seq, head, at)
        # Signed HMAC-SM3, or HMAC-SHA256 by a medreg from before the chain moved to SM3.
        if not any(hmac.compare_digest(sig, keyed_digest(secret, "audit-checkpoint", body, digest))
                   for secret in secrets for digest in DIGESTS):
            raise CheckpointError(f"检查点文件第 {number} 行签名不符（文件被改动）", seq)
        if seq < last:
            raise CheckpointError(f"检查点文件第 {number} 行的链位置倒退（文件被改动）", seq)
        found[seq], last = head, seq
    return found
