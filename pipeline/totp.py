"""The second factor of staff accounts (commission and institution): a time-based one-time password, RFC 6238 —
SHA-1, 6 digits, 30-second steps, as every authenticator app reads an otpauth:// URI.

A code is accepted in its own step or one step either side (±30 s of clock drift), and only in a step later than
the last one the account accepted, so a code seen once (over a shoulder, in a log) cannot log in again — except
that the client which used that step may use it again (`same_step`): a script or a second tab on the same machine
that logs in twice within 30 s computes the same code, and refusing it there protects nothing. The caller keeps
that step and client (models: Account.totp_last_step, totp_last_client) and counts a wrong code like a wrong
password.
"""
from __future__ import annotations

import hmac
import re
from typing import Any

import pyotp

from pipeline.fields import FieldError

DIGITS = 6
STEP_SECONDS = 30
WINDOW = 1  # steps accepted either side of the current one
ISSUER = "medreg"
CODE = re.compile(r"[0-9]{6}")
SECRET = re.compile(r"[A-Z2-7]{16,128}")


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32()


def is_secret(value: str) -> bool:
    return bool(SECRET.fullmatch(value))


def step_of(moment: float) -> int:
    """The time-step (RFC 6238's T) of a Unix time."""
    return int(moment) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def accepted_step(secret: str, code: str, moment: float, last_step: int | None = None, window: int = WINDOW,
                  same_step: bool = False) -> int | None:
    """The step `code` belongs to if it is current (within `window` steps of `moment`) and later than `last_step`,
    the last step the account accepted (or that step itself, with `same_step`); None otherwise. Every candidate is
    compared, in constant time."""
    if not isinstance(code, str) or not CODE.fullmatch(code):
        return None
    now = step_of(moment)
    found = None
    for step in range(now - window, now + window + 1):
        fresh = last_step is None or step > last_step or (same_step and step == last_step)
        if hmac.compare_digest(code_at(secret, step), code) and fresh and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// URI an authenticator app enrols from (shown as text or as a QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account_name, issuer_name=ISSUER)


def otp(value: Any) -> str:
    """The code as typed: text, or a number taken as its digits (left-padded: 012345 sent as a JSON number)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**DIGITS:
        return f"{value:0{DIGITS}d}"
    if not isinstance(value, str):
        raise FieldError("动态口令应为文本", "type")
    return value.strip()
