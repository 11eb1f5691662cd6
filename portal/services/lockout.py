"""Login lock-out: after LOCK_AFTER_FAILURES wrong passwords in a row an account is locked for LOCK_DURATION,
with a message that says until when. A successful login or a password reset clears it."""
from __future__ import annotations

from datetime import datetime, timedelta

from models import Account
from models.base import as_utc, utcnow
from pipeline import clock
from portal.errors import Refused

LOCK_AFTER_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


def local_time(moment: datetime) -> str:
    return clock.shown(as_utc(moment))


def locked_refusal(until: datetime) -> Refused:
    return Refused(403, "locked", f"登录失败次数过多，账号已锁定至{local_time(until)}（北京时间），"
                                  "届时可再次登录；也可通过短信验证码重置密码")


def refuse_if_locked(account: Account, now: datetime | None = None) -> None:
    if account.locked_until is not None and as_utc(account.locked_until) > (now or utcnow()):
        raise locked_refusal(account.locked_until)


def count_failed_login(account: Account, now: datetime | None = None) -> None:
    """Count a wrong password; the one that reaches the limit locks the account (and says so)."""
    account.failed_logins = (account.failed_logins or 0) + 1
    if account.failed_logins >= LOCK_AFTER_FAILURES:
        account.failed_logins = 0
        account.locked_until = (now or utcnow()) + LOCK_DURATION
        raise locked_refusal(account.locked_until)
