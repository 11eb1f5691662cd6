"""Password reset by an SMS code to the account's registered mobile.

The request and the confirmation never say whether the account exists: the same answers, the same messages. A code
is single-use, valid for RESET_CODE_TTL and allows RESET_MAX_ATTEMPTS wrong guesses; a new request does not void the
codes already sent (the newest RESET_LIVE_CODES stay usable), so someone asking for codes cannot cancel the one the
owner is about to type. Guessing is limited per account and per client (portal/services/attempts.py), and the limit
survives new codes: after RESET_ESCALATE_AFTER wrong guesses at an account's codes within a day, its new codes are
RESET_LONG_LENGTH letters and digits instead of six digits — the owner can still reset, a guesser no longer can.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, PasswordResetCode, Person, attempts
from models.audit import audit
from models.base import as_utc, utcnow
from models.crypto import hash_password, keyed_digest, lookup_hash
from models.messages import send_sms
from models.settings import Settings
from pipeline.fields import FieldError
from pipeline.persons import password as clean_password
from portal.errors import invalid
from portal.services.accounts import find_login
from portal.services.attempts import RESET, Attempt, lift_login_lock, subject_of, too_many_from_client

RESET_CODE_TTL = timedelta(minutes=10)
RESET_MAX_ATTEMPTS = 5
RESET_LIVE_CODES = 3
RESET_ESCALATE_AFTER = 10
RESET_LONG_LENGTH = 10
LONG_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RESEND_AFTER = timedelta(seconds=60)
SENT_MESSAGE = "如该账号存在且登记了手机号码，验证码已发送至该手机，10分钟内有效"
BAD_CODE = "验证码错误、已使用或已过期，请核对或重新获取"


def reset_code_hash(settings: Settings, account_id: int, code: str, secret: str | None = None) -> str:
    return lookup_hash(secret or settings.secret, f"password-reset:{account_id}:{code.strip().upper()}")


def code_matches(settings: Settings, account_id: int, code: str, stored: str) -> bool:
    return any(hmac.compare_digest(stored, reset_code_hash(settings, account_id, code, secret)) for secret in settings.secrets)


def account_mobile(session: Session, account: Account) -> str | None:
    if account.person_id is None:
        return account.mobile
    person = session.get(Person, account.person_id)
    return person.mobile if person else None


def new_code(long: bool) -> str:
    if long:
        return "".join(secrets.choice(LONG_ALPHABET) for _ in range(RESET_LONG_LENGTH))
    return f"{secrets.randbelow(10**6):06d}"


def request_reset(session: Session, settings: Settings, username: object, client: str = "unknown") -> None:
    """Send a code to the account's mobile if there is such an account; the caller answers the same either way."""
    if not isinstance(username, str) or not username.strip():
        raise invalid({"username": "必填"})
    client_key = keyed_digest(settings.secret, "attempts", f"reset-request|{client}")
    if until := attempts.locked_until(session, "reset-request", client_key):
        raise too_many_from_client(until)
    attempts.count_failure(session, "reset-request", client_key, settings.reset_requests_per_client, timedelta(hours=1),
                           timedelta(hours=1))
    account = find_login(session, settings, username)
    mobile = account_mobile(session, account) if account is not None and account.status != "disabled" else None
    if account is None or not mobile:
        return
    now = utcnow()
    live = list(session.scalars(select(PasswordResetCode).where(
        PasswordResetCode.account_id == account.id, PasswordResetCode.used_at.is_(None))
        .order_by(PasswordResetCode.id.desc()).with_for_update()))
    if any(as_utc(code.created_at) > now - RESEND_AFTER for code in live):
        return  # one SMS a minute is enough; the codes already sent still work
    for older in live[RESET_LIVE_CODES - 1:]:
        older.used_at = now  # only the newest few stay usable
    failures = Attempt(session, settings, RESET, subject_of(account, username), client).failures_of_subject()
    code = new_code(long=failures >= RESET_ESCALATE_AFTER)
    session.add(PasswordResetCode(account_id=account.id, code_hash=reset_code_hash(settings, account.id, code),
                                  expires_at=now + RESET_CODE_TTL, created_at=now))
    minutes = int(RESET_CODE_TTL.total_seconds() // 60)
    send_sms(session, settings, mobile, "password_reset_code", code=code, minutes=minutes)
    audit(session, f"account:{account.id}", "password_reset_requested", f"account:{account.id}", client=client)


def confirm_reset(session: Session, settings: Settings, username: object, code: object, new_password: object,
                  client: str = "unknown") -> Account:
    """Set the new password if the code is right. A wrong code counts an attempt, so the caller commits even on refusal."""
    fields = {name: "必填" for name, value in (("username", username), ("code", code), ("password", new_password))
              if not isinstance(value, str) or not value.strip()}
    if "password" not in fields:
        try:
            clean_password(new_password)
        except FieldError as error:
            fields["password"] = str(error)
    if fields:
        raise invalid(fields)
    username, code, new_password = str(username), str(code), str(new_password)  # each checked as text above
    account = find_login(session, settings, username)
    attempt = Attempt(session, settings, RESET, subject_of(account, username), client)
    attempt.refuse_if_locked()
    now = utcnow()
    live = []
    if account is not None and account.status != "disabled":
        live = [record for record in session.scalars(
            select(PasswordResetCode)
            .where(PasswordResetCode.account_id == account.id, PasswordResetCode.used_at.is_(None))
            .order_by(PasswordResetCode.id.desc()).limit(RESET_LIVE_CODES).with_for_update()
        ) if as_utc(record.expires_at) >= now and record.attempts < RESET_MAX_ATTEMPTS]
    matched = next((r for r in live if account is not None and code_matches(settings, account.id, code, r.code_hash)), None)
    if account is None or matched is None:
        for record in live:
            record.attempts += 1
            if record.attempts >= RESET_MAX_ATTEMPTS:
                record.used_at = now
        raise attempt.failed() or invalid({"code": BAD_CODE})
    for record in live:
        record.used_at = now
    account.password_hash = hash_password(new_password)
    account.failed_logins, account.locked_until = 0, None
    account.end_sessions()
    lift_login_lock(session, settings, account)
    audit(session, f"account:{account.id}", "password_reset", f"account:{account.id}", client=client)
    return account
