"""Secrets at rest and in transit: password hashes, ID-number encryption, keyed look-up hashes, API tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

# OWASP's minimum argon2id profile: cheap enough for a counter rush, still memory-hard.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _derive(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def lookup_hash(secret: str, value: str) -> str:
    """Keyed hash of an ID number (normalised), so it can be found without being stored in clear."""
    return hmac.new(_derive(secret, "lookup"), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def encrypt(secret: str, value: str) -> str:
    return _fernet(secret).encrypt(value.encode()).decode()


def decrypt(secret: str, token: str) -> str:
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt with this secret") from exc


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, "encrypt")))


def issue_token(secret: str, account_id: int, ttl_seconds: int = 12 * 3600) -> str:
    """A bearer token: account id and expiry, signed. The account's status is still checked on every request."""
    body = f"{account_id}.{int(time.time()) + ttl_seconds}"
    return f"{body}.{_sign(secret, body)}"


def read_token(secret: str, token: str) -> int | None:
    try:
        account_id, expires, signature = token.split(".")
    except ValueError:
        return None
    body = f"{account_id}.{expires}"
    if not hmac.compare_digest(signature, _sign(secret, body)):
        return None
    if not expires.isdigit() or int(expires) < time.time():
        return None
    return int(account_id)


def _sign(secret: str, body: str) -> str:
    return hmac.new(_derive(secret, "token"), body.encode(), hashlib.sha256).hexdigest()


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
