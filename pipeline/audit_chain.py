"""The audit log's hash chain: each sealed entry's hash covers its content and the hash before it.

hash(n) = HMAC-SHA256(key, prev_hash(n) + "\n" + canonical JSON of entry n's content and position),
prev_hash(1) = GENESIS. The key derives from MEDREG_SECRET, so someone who can write the table but does
not hold the secret cannot re-seal a changed entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


def chain_key(secret: str) -> bytes:
    return hashlib.sha256(f"audit-chain:{secret}".encode()).digest()


def canonical(content: dict) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(key: bytes, prev_hash: str, content: dict) -> str:
    return hmac.new(key, prev_hash.encode() + b"\n" + canonical(content), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Sealed:
    """One sealed entry as stored: its id, chain position, content and the two hashes."""

    id: int
    seq: int
    content: dict
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True)
class Break:
    id: int
    seq: int
    reason: str


def first_break(key: bytes, entries: Iterable[Sealed]) -> Break | None:
    """Walk sealed entries in seq order; the first whose position, link or hash is wrong."""
    expected_seq, previous = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            return Break(entry.id, entry.seq, f"链位置应为 {expected_seq}，实为 {entry.seq}（有条目被删除）")
        if entry.prev_hash != previous:
            return Break(entry.id, entry.seq, "前一条目的哈希不符（前一条目被改动、删除或替换）")
        if entry.hash != seal(key, previous, entry.content):
            return Break(entry.id, entry.seq, "内容与哈希不符（条目被改动）")
        expected_seq, previous = expected_seq + 1, entry.hash
    return None
