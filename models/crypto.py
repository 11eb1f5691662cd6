"""Secrets at rest and in transit: password hashes, ID-number encryption, keyed look-up hashes, API tokens.

Keys derive from MEDREG_SECRET, which may list several secrets, newest first (`new,old`): the first one
encrypts, hashes and signs everything new; every one of them still decrypts, finds and verifies what an
older one protected, until `medreg rotate-secret` has moved it to the new one (docs/security.md).
Functions that only read take `keys` — one secret or the whole list.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# OWASP's minimum argon2id profile: cheap enough for a counter rush, still memory-hard.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when there is no account, so a login or a reset takes as long whether or not it exists.
_DUMMY_HASH = _hasher.hash("medreg-no-such-account-0")
# How long a bearer token is valid (docs/security.md); the account's session epoch ends it sooner.
TOKEN_TTL_SECONDS = 3600

Keys = str | Sequence[str]


def key_list(keys: Keys) -> tuple[str, ...]:
    return (keys,) if isinstance(keys, str) else tuple(keys)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; with no hash at all, one verification runs anyway (same time) and fails."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _derive(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def lookup_hash(secret: str, value: str) -> str:
    """Keyed hash of an ID number (normalised), so it can be found without being stored in clear."""
    return hmac.new(_derive(secret, "lookup"), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def lookup_hashes(keys: Keys, value: str) -> list[str]:
    """The keyed hash of `value` under every configured secret: look-ups match what any of them stored."""
    return [lookup_hash(secret, value) for secret in key_list(keys)]


def encrypt(secret: str, value: str) -> str:
    return _fernet(secret).encrypt(value.encode()).decode()


def decrypt(keys: Keys, token: str) -> str:
    try:
        return MultiFernet([_fernet(secret) for secret in key_list(keys)]).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt with this secret") from exc


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, "encrypt")))


def issue_token(secret: str, account_id: int, epoch: int = 0, ttl_seconds: int = TOKEN_TTL_SECONDS) -> str:
    """A bearer token: account id, session epoch and expiry, signed. The account's status and epoch are checked on
    every request, so a password change, a reset, a logout or disabling the account ends it at once."""
    body = f"{account_id}.{epoch}.{int(time.time()) + ttl_seconds}"
    return f"{body}.{_sign(secret, body)}"


def read_token(keys: Keys, token: str) -> tuple[int, int] | None:
    """(account id, epoch) of a valid, unexpired token signed with any configured secret; None otherwise."""
    parts = token.split(".")
    if len(parts) != 4 or not all(part.isascii() and part.isdigit() and len(part) <= 12 for part in parts[:3]):
        return None
    account_id, epoch, expires, signature = parts
    body = f"{account_id}.{epoch}.{expires}"
    if not any(hmac.compare_digest(signature, _sign(secret, body)) for secret in key_list(keys)):
        return None
    if int(expires) < time.time():
        return None
    return int(account_id), int(epoch)


def _sign(secret: str, body: str) -> str:
    return hmac.new(_derive(secret, "token"), body.encode(), hashlib.sha256).hexdigest()


def keyed_digest(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under a key for `purpose` (attempt counters, checkpoints)."""
    return hmac.new(_derive(secret, purpose), value.encode(), hashlib.sha256).hexdigest()


def sign_push(secret: str, timestamp: str, body: bytes) -> str:
    """X-Medreg-Signature of a disclosure push: HMAC-SHA256 of `TIMESTAMP.BODY` with the channel secret."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def lookup_hasher(secret: str) -> Callable[[str], str]:
    """`lookup_hash` with the key derived once, for loading millions of rows."""
    key = _derive(secret, "lookup")
    return lambda value: hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def encrypter(secret: str) -> Callable[[str], str]:
    """`encrypt` with the key derived once, for loading millions of rows."""
    fernet = _fernet(secret)
    return lambda value: fernet.encrypt(value.encode()).decode()
