"""The audit log's hash chain: each sealed entry's hash covers its content and the hash before it.

hash(n) = HMAC-SM3(key, prev_hash(n) + "\n" + canonical JSON of entry n's content and position),
prev_hash(1) = GENESIS. SM3 (GB/T 32905) is the national hash the rules ask for; entries sealed before medreg moved
the chain to it are HMAC-SHA256 and still verify, and along the chain SHA-256 may only give way to SM3, never come
back after it. The key derives from MEDREG_SECRET, so someone who can write the table but does not hold the secret
cannot re-seal a changed entry. After a rotation (MEDREG_SECRET=new,old) older entries verify under the old key,
newer ones under the new: along the chain a key may only give way to a newer one, never back.

Deleting the newest entries leaves a chain that is whole but short: the signed checkpoints (models/audit_chain.py,
kept outside the database) record the head's position and hash, and `first_break` is told what they recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64
SEALING = "sm3"  # what new entries are sealed with
DIGESTS = ("sm3", "sha256")  # what a chain may hold, newest first


@dataclass(frozen=True)
class ChainKey:
    """A chain key and the hash its HMAC uses (a hashlib name, one of DIGESTS)."""

    digest: str
    key: bytes


def chain_key(secret: str, digest: str = SEALING) -> ChainKey:
    return ChainKey(digest, hashlib.new(digest, f"audit-chain:{secret}".encode()).digest())


def chain_keys(secrets: Sequence[str]) -> list[ChainKey]:
    """Every key entries sealed under `secrets` (newest first) may carry, newest first: each secret's SM3 key, then
    its SHA-256 one."""
    return [chain_key(secret, digest) for secret in secrets for digest in DIGESTS]


def canonical(content: dict) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(key: ChainKey, prev_hash: str, content: dict) -> str:
    return hmac.new(key.key, prev_hash.encode() + b"\n" + canonical(content), key.digest).hexdigest()


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


def first_break(keys: ChainKey | list[ChainKey], entries: Iterable[Sealed], checkpoints: dict[int, str] | None = None
                ) -> Break | None:
    """Walk sealed entries in seq order; the first whose position, link or hash is wrong, or that differs from a
    checkpoint; and a chain that ends before the newest checkpoint (its newest entries were deleted).

    `keys`: newest first; `checkpoints`: chain position → the hash a signed checkpoint recorded there."""
    keys = [keys] if isinstance(keys, ChainKey) else keys
    checkpoints = checkpoints or {}
    expected_seq, previous, newest_key = 1, GENESIS, len(keys) - 1
    last_id = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return Break(entry.id, entry.seq, f"链位置应为 {expected_seq}，实为 {entry.seq}（有条目被删除）")
        if entry.prev_hash != previous:
            return Break(entry.id, entry.seq, "前一条目的哈希不符（前一条目被改动、删除或替换）")
        matching = [i for i in range(newest_key + 1) if entry.hash == seal(keys[i], previous, entry.content)]
        if not matching:
            return Break(entry.id, entry.seq, "内容与哈希不符（条目被改动）")
        newest_key = min(matching)
        if entry.seq in checkpoints and checkpoints[entry.seq] != entry.hash:
            return Break(entry.id, entry.seq, "与签名检查点记录的哈希不符（条目被改动或链被重写）")
        expected_seq, previous, last_id = expected_seq + 1, entry.hash or GENESIS, entry.id
    if checkpoints and max(checkpoints) >= expected_seq:
        return Break(last_id, expected_seq - 1, f"签名检查点记录链已到位置 {max(checkpoints)}，实际只到 {expected_seq - 1}"
                                                "（最新的条目被删除）")
    return None
