"""Secrets at rest and in transit: password hashes, ID-number encryption, keyed look-up hashes, API tokens.

Data at rest (ID numbers, second-factor secrets, webhook secrets, sealed SMS variables) is encrypted with SM4, the
national block cipher (GB/T 32907), in GCM mode: a fresh 96-bit nonce per value, stored as
`sm4:` + URL-safe base64 of nonce, ciphertext and the 128-bit tag, so a changed value fails to open instead of
opening to something else. Values written before medreg moved to SM4 are Fernet tokens (AES-128-CBC with
HMAC-SHA256); they still open, and `medreg rotate-secret` rewrites them in SM4.

Keys derive from MEDREG_SECRET, which may list several secrets, newest first (`new,old`): the first one
encrypts, hashes and signs everything new; every one of them still decrypts, finds and verifies what an
older one protected, until `medreg rotate-secret` has moved it to the new one (docs/security.md).
Functions that only read take `keys` — one secret or the whole list.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from collections.abc import Callable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

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


SM4 = "sm4:"  # how an SM4 value begins (a Fernet token begins "gAAAA")
_NONCE, _TAG = 12, 16


def encrypt(secret: str, value: str) -> str:
    return encrypter(secret)(value)


def decrypt(keys: Keys, token: str) -> str:
    """The value `token` holds, opened with whichever configured secret sealed it (SM4, or Fernet from before)."""
    if not token.startswith(SM4):
        return _decrypt_fernet(keys, token)
    try:
        sealed = base64.urlsafe_b64decode(token[len(SM4):])
    except (binascii.Error, ValueError) as exc:
        raise ValueError("cannot decrypt with this secret") from exc
    if len(sealed) < _NONCE + _TAG:
        raise ValueError("cannot decrypt with this secret")
    nonce, data, tag = sealed[:_NONCE], sealed[_NONCE:-_TAG], sealed[-_TAG:]
    for secret in key_list(keys):
        opener = Cipher(algorithms.SM4(_sm4_key(secret)), modes.GCM(nonce, tag)).decryptor()
        try:
            return (opener.update(data) + opener.finalize()).decode()
        except (InvalidTag, UnicodeDecodeError):
            continue
    raise ValueError("cannot decrypt with this secret")


def sealed_under(secret: str, token: str) -> bool:
    """Whether `token` is SM4 under `secret` already: what `medreg rotate-secret` leaves as it is."""
    if not token.startswith(SM4):
        return False
    try:
        decrypt(secret, token)
    except ValueError:
        return False
    return True


def _sm4_key(secret: str) -> bytes:
    return hashlib.new("sm3", f"encrypt-sm4:{secret}".encode()).digest()[:16]  # SM4 keys are 128 bits


def _decrypt_fernet(keys: Keys, token: str) -> str:
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


def keyed_digest(secret: str, purpose: str, value: str, digest: str = "sha256") -> str:
    """HMAC of `value` under a key for `purpose` (attempt counters, checkpoints); `digest`: a hashlib name, e.g.
    "sm3" for the audit chain's checkpoints."""
    return hmac.new(_derive(secret, purpose), value.encode(), digest).hexdigest()


def sign_push(secret: str, timestamp: str, body: bytes) -> str:
    """X-Medreg-Signature of a disclosure push: HMAC-SHA256 of `TIMESTAMP.BODY` with the channel secret."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def lookup_hasher(secret: str) -> Callable[[str], str]:
    """`lookup_hash` with the key derived once, for loading millions of rows."""
    # HMAC-SHA256 (RFC 2104) from the two SHA-256 states of the padded key, taken once and copied per value: the
    # same value as lookup_hash, 0.6 µs a row against 1.7 for the one-shot hmac.digest, which pads and hashes the
    # key again each time.
    key = _derive(secret, "lookup")
    block = hashlib.sha256().block_size
    assert len(key) <= block  # (a longer key would be hashed first)
    padded = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))

    def digest(value: str) -> str:
        hashed = inner.copy()
        hashed.update(value.strip().upper().encode())
        result = outer.copy()
        result.update(hashed.digest())
        return result.hexdigest()

    return digest


def encrypter(secret: str) -> Callable[[str], str]:
    """`encrypt` with the key derived once, for loading millions of rows."""
    cipher = algorithms.SM4(_sm4_key(secret))

    def seal(value: str) -> str:
        nonce = os.urandom(_NONCE)
        sealer = Cipher(cipher, modes.GCM(nonce)).encryptor()
        data = sealer.update(value.encode()) + sealer.finalize()
        return SM4 + base64.urlsafe_b64encode(nonce + data + sealer.tag).decode()

    return seal
