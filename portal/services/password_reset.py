"""Password reset by an SMS code to the account's registered mobile.

The request never says whether the account exists. A code is six digits, single-use, valid for
RESET_CODE_TTL, and allows RESET_MAX_ATTEMPTS wrong guesses; a new request replaces any earlier code.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, PasswordResetCode, Person
from models.audit import audit
from models.base import as_utc, utcnow
from models.crypto import hash_password, lookup_hash
from models.messages import send_sms
from models.settings import Settings
from pipeline.fields import FieldError
from pipeline.persons import password as clean_password
from portal.errors import invalid
from portal.services.accounts import find_login

RESET_CODE_TTL = timedelta(minutes=10)
RESET_MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
SENT_MESSAGE = "如该账号存在且登记了手机号码，验证码已发送至该手机，10分钟内有效"
BAD_CODE = "验证码错误、已使用或已过期，请重新获取"


def reset_code_hash(settings: Settings, account_id: int, code: str) -> str:
    return lookup_hash(settings.secret, f"password-reset:{account_id}:{code.strip()}")


def account_mobile(session: Session, account: Account) -> str | None:
    if account.person_id is None:
        return None
    person = session.get(Person, account.person_id)
    return person.mobile if person else None


def request_reset(session: Session, settings: Settings, username: object) -> None:
    """Send a code to the account's mobile if there is such an account; the caller answers the same either way."""
    if not isinstance(username, str) or not username.strip():
        raise invalid({"username": "必填"})
    account = find_login(session, settings, username)
    mobile = account_mobile(session, account) if account is not None and account.status != "disabled" else None
    if account is None or mobile is None:
        return
    now = utcnow()
    earlier = list(session.scalars(select(PasswordResetCode).where(
        PasswordResetCode.account_id == account.id, PasswordResetCode.used_at.is_(None))))
    if any(as_utc(code.created_at) > now - RESEND_AFTER for code in earlier):
        return  # one SMS a minute is enough; the earlier code still works
    for earlier_code in earlier:
        earlier_code.used_at = now  # a new code replaces any earlier one
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(PasswordResetCode(account_id=account.id, code_hash=reset_code_hash(settings, account.id, code),
                                  expires_at=now + RESET_CODE_TTL, created_at=now))
    minutes = int(RESET_CODE_TTL.total_seconds() // 60)
    send_sms(session, settings, mobile, "password_reset_code", code=code, minutes=minutes)
    audit(session, f"account:{account.id}", "password_reset_requested", f"account:{account.id}")


def confirm_reset(session: Session, settings: Settings, username: object, code: object, new_password: object) -> Account:
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
    record = None
    if account is not None:
        record = session.scalar(
            select(PasswordResetCode)
            .where(PasswordResetCode.account_id == account.id, PasswordResetCode.used_at.is_(None))
            .order_by(PasswordResetCode.id.desc()).limit(1).with_for_update()
        )
    if account is None or record is None or as_utc(record.expires_at) < utcnow() or record.attempts >= RESET_MAX_ATTEMPTS:
        raise invalid({"code": BAD_CODE})
    if record.code_hash != reset_code_hash(settings, account.id, code):
        record.attempts += 1
        if record.attempts >= RESET_MAX_ATTEMPTS:
            record.used_at = utcnow()
            raise invalid({"code": "验证码错误次数过多，已失效，请重新获取"})
        raise invalid({"code": f"验证码错误，还可尝试{RESET_MAX_ATTEMPTS - record.attempts}次"})
    record.used_at = utcnow()
    account.password_hash = hash_password(new_password)
    account.failed_logins, account.locked_until = 0, None
    audit(session, f"account:{account.id}", "password_reset", f"account:{account.id}")
    return account
