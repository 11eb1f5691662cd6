"""Attempt limits on every secret a person types: a password at login (and a staff account's TOTP code with it), a
password-reset code, an activation code, the old password when changing it, the first code of a second factor.
Counted in the database (models/attempts.py), so they hold across portal processes and survive asking for a new
code; only failures count.

Three counters per attempt:

- the pair (what was typed as the login name, the client address): a few failures lock that pair — the person at
  another address is not locked out by someone guessing from here;
- the name alone, over every client: a larger number locks it (a guesser spread over many addresses);
- the client, over every name and purpose: too many failures from one address answer 429 there.

The name is what the caller typed (normalised), whether or not an account has it, so a lock says nothing about
whether an account exists. A lock on logging in never stops a password reset (a reset lifts it); guessing reset codes
never locks anyone out of resetting either: past RESET_ESCALATE_AFTER failures an account's new codes become long
and unguessable instead (portal/services/password_reset.py). Every limit is listed in docs/security.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyramid.request import Request
from sqlalchemy.orm import Session

from models import attempts
from models.base import utcnow
from models.crypto import keyed_digest
from models.settings import Settings
from pipeline import clock
from portal.errors import Refused


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Purpose:
    name: str
    pair: Limit
    subject: Limit | None  # None: failures of the name are counted (failures_of) but never lock it


MINUTES_15 = timedelta(minutes=15)
LOGIN = Purpose("login", pair=Limit(5, MINUTES_15, MINUTES_15), subject=Limit(20, MINUTES_15, MINUTES_15))
ACTIVATE = Purpose("activate", pair=Limit(5, MINUTES_15, MINUTES_15), subject=Limit(10, timedelta(hours=24), timedelta(hours=1)))
RESET = Purpose("reset", pair=Limit(5, MINUTES_15, MINUTES_15), subject=None)
PASSWORD = Purpose("password", pair=Limit(5, MINUTES_15, MINUTES_15), subject=Limit(10, timedelta(hours=1), timedelta(hours=1)))
# The first code of a second factor being bound (portal/services/second_factor.py); codes at login count as LOGIN.
TOTP_CONFIRM = Purpose("totp", pair=Limit(5, MINUTES_15, MINUTES_15), subject=Limit(10, timedelta(hours=1), timedelta(hours=1)))
RESET_WINDOW = timedelta(hours=24)
CLIENT_WINDOW = MINUTES_15


def client_of(request: Request) -> str:
    """The client address as the WSGI server saw it (set from a trusted proxy's header by waitress, never read from
    X-Forwarded-For here)."""
    return str(request.environ.get("REMOTE_ADDR") or "unknown")


def subject_of(account: object | None, typed: object) -> str:
    """What a name's counters are kept under: the account it names, else the name as typed (normalised), so an ID
    number and a mobile of one person share their counters and an unknown name is counted like a known one."""
    account_id = getattr(account, "id", None)
    return f"account:{account_id}" if account_id is not None else "name:" + str(typed or "").strip().upper()


def locked_message(purpose: Purpose, until: datetime) -> str:
    shown = clock.shown(until)
    if purpose is LOGIN:
        return f"登录失败次数过多，账号已锁定至{shown}（北京时间），届时可再次登录；也可通过短信验证码重置密码"
    return f"尝试次数过多，已暂停至{shown}（北京时间），请届时再试"


def too_many_from_client(until: datetime) -> Refused:
    seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    refusal = Refused(429, "rate_limited", f"本地址失败次数过多，请 {seconds} 秒后再试")
    refusal.retry_after = seconds  # type: ignore[attr-defined]
    return refusal


class Attempt:
    """One attempt at a secret: `refuse_if_locked()` before checking it, then `failed()` or `succeeded()`, all in one
    transaction. Attempts at one name (for one purpose) take turns from `refuse_if_locked()` until their transaction
    ends, so each sees the failures of those before it: concurrent requests get no more full checks than the limit."""

    def __init__(self, session: Session, settings: Settings, purpose: Purpose, subject: str, client: str) -> None:
        """`subject`: subject_of(the account or None, what was typed)."""
        self.session, self.settings, self.purpose = session, settings, purpose
        name = subject
        digest = lambda value: keyed_digest(settings.secret, "attempts", value)  # noqa: E731
        self.pair_key = digest(f"{purpose.name}|{name}|{client}")
        self.subject_key = digest(f"{purpose.name}|{name}")
        self.client_key = digest(f"client|{client}")

    def refuse_if_locked(self) -> None:
        """Wait for any other attempt at this name to end (its transaction), then refuse if something is locked."""
        attempts.hold(self.session, self.purpose.name, self.subject_key)
        if until := attempts.locked_until(self.session, "client", self.client_key):
            raise too_many_from_client(until)
        for key in (self.pair_key, self.subject_key):
            if until := attempts.locked_until(self.session, self.purpose.name, key):
                raise Refused(403, "locked", locked_message(self.purpose, until))

    def failed(self) -> Refused | None:
        """Count the failure everywhere; the refusal to give instead if it just locked something."""
        limit = self.settings.client_failure_limit
        client_lock = attempts.count_failure(self.session, "client", self.client_key, limit, CLIENT_WINDOW, CLIENT_WINDOW)
        pair = self.purpose.pair
        until = attempts.count_failure(self.session, self.purpose.name, self.pair_key, pair.failures, pair.window, pair.lock,
                                       subject=self.subject_key)
        subject = self.purpose.subject or Limit(10**9, RESET_WINDOW, RESET_WINDOW)
        until = attempts.count_failure(self.session, self.purpose.name, self.subject_key, subject.failures, subject.window,
                                       subject.lock, subject=self.subject_key) or until
        if until is not None:
            return Refused(403, "locked", locked_message(self.purpose, until))
        if client_lock is not None:
            return too_many_from_client(client_lock)
        return None

    def failures_of_subject(self) -> int:
        window = self.purpose.subject.window if self.purpose.subject else RESET_WINDOW
        return attempts.failures_within(self.session, self.purpose.name, self.subject_key, window)

    def succeeded(self) -> None:
        """A success forgets the name's failures (and its pairs'); the client's stay counted."""
        if self.purpose is not RESET:  # reset failures keep escalating the account's codes for their whole window
            attempts.clear(self.session, self.purpose.name, self.subject_key)


def lift_login_lock(session: Session, settings: Settings, account: object) -> None:
    """Clear an account's login counters, from every address (a password reset, an administrator re-enabling it)."""
    attempts.clear(session, LOGIN.name, keyed_digest(settings.secret, "attempts", f"{LOGIN.name}|{subject_of(account, '')}"))
