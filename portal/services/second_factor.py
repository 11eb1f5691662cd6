"""A staff account binds its own second factor (TOTP, pipeline/totp.py), when `medreg create-user` did not: the
password, then a secret handed out once (kept pending), then the first code from the app, which activates it.

Only commission and institution accounts (a person's account has none). An account already bound keeps its secret:
replacing it (a lost phone) is for an operator, `medreg enrol-totp` — else a stolen session could move the factor to
the thief's phone. Asking again before confirming hands out a new pending secret. Both typed secrets are limited:
the password as when changing it, the code under its own purpose (portal/services/attempts.py); the caller commits
even on refusal.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Account
from models.audit import audit
from models.crypto import decrypt, encrypt, verify_password
from models.settings import Settings
from pipeline import totp
from portal.errors import Refused, conflict, invalid
from portal.services.accounts import accept_code
from portal.services.attempts import PASSWORD, TOTP_CONFIRM, Attempt, subject_of

STAFF_ROLES = ("commission", "institution")
ALREADY_BOUND = "该账号已绑定动态口令；如需更换（如手机遗失），请联系系统运维人员重新绑定"
NOT_STARTED = "请先获取动态口令密钥"
BAD_CODE = "动态口令不正确：请核对认证应用中添加的密钥，以及手机时间是否准确"


def check_staff(account: Account) -> None:
    if account.role not in STAFF_ROLES:
        raise Refused(403, "forbidden", "只有卫健委和医疗机构工作人员账号可绑定动态口令")


def is_bound(account: Account) -> bool:
    return bool(account.totp_secret_encrypted)


def start(session: Session, settings: Settings, account: Account, password: object, client: str = "unknown") -> str:
    """A new pending secret after the account's password; the caller shows it (and its URI) this once."""
    check_staff(account)
    if not password:
        raise invalid({"password": "必填"}, {"password": "required"})
    attempt = Attempt(session, settings, PASSWORD, subject_of(account, ""), client)
    attempt.refuse_if_locked()
    if not isinstance(password, str) or not verify_password(account.password_hash, password):
        raise attempt.failed() or invalid({"password": "密码不正确"})
    attempt.succeeded()
    if is_bound(account):
        raise conflict(ALREADY_BOUND)
    secret = totp.new_secret()
    account.totp_pending_encrypted = encrypt(settings.secret, secret)
    audit(session, f"account:{account.id}", "totp_enrol", f"account:{account.id}", account.division_code)
    return secret


def confirm(session: Session, settings: Settings, account: Account, code: object, client: str = "unknown") -> Account:
    """The pending secret becomes the account's second factor once its app shows a current code; from then on the
    account logs in with a code too."""
    check_staff(account)
    if is_bound(account):
        raise conflict(ALREADY_BOUND)
    if not account.totp_pending_encrypted:
        raise conflict(NOT_STARTED)
    if not code:
        raise invalid({"otp": "必填"}, {"otp": "required"})
    attempt = Attempt(session, settings, TOTP_CONFIRM, subject_of(account, ""), client)
    attempt.refuse_if_locked()
    pending = decrypt(settings.secrets, account.totp_pending_encrypted)
    if not isinstance(code, str) or not accept_code(session, settings, account, code, secret=pending):
        raise attempt.failed() or invalid({"otp": BAD_CODE})
    attempt.succeeded()
    account.totp_secret_encrypted, account.totp_pending_encrypted = account.totp_pending_encrypted, None
    audit(session, f"account:{account.id}", "totp_enrolled", f"account:{account.id}", account.division_code)
    return account
