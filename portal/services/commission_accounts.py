"""Accounts at the commission end 账号管理: staff accounts created by a commission administrator for its own
and lower divisions; institution accounts of the jurisdiction listed, disabled, re-enabled, and given a new
one-time password by SMS (never shown)."""
from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, Commission, Institution
from models.audit import audit
from models.crypto import hash_password
from models.outbox import enqueue
from pipeline.fields import FieldError
from pipeline.persons import mobile as mobile_rule
from pipeline.persons import password as password_rule
from pipeline.routing import in_jurisdiction, jurisdiction_prefix
from portal.cli.users import USERNAME
from portal.errors import Refused, conflict, invalid, not_found

SEND_SMS = "workers.notifications.send_sms"
ACCOUNT_STATUSES = {"active": "正常", "disabled": "已停用", "pending_activation": "待激活"}
MAX_LIST = 500


def actor_of(account: Account) -> str:
    return f"account:{account.id}"


def require_admin(account: Account) -> None:
    if not account.admin:
        raise Refused(403, "forbidden", "只有卫健委管理员可以管理工作人员账号")


def create_staff(session: Session, admin: Account, body: Mapping) -> Account:
    """A commission staff account of the admin's own or a lower division; the admin sets the first password,
    which must be changed on first login."""
    require_admin(admin)
    errors: dict[str, str] = {}
    username = body.get("username")
    if not isinstance(username, str) or not USERNAME.fullmatch(username.strip()):
        errors["username"] = "用户名应以字母开头，由3至64位字母、数字或 _ . - 组成"
    try:
        password_rule(body.get("password"))
    except FieldError as error:
        errors["password"] = str(error)
    division = body.get("division") if body.get("division") is not None else admin.division_code
    if not isinstance(division, str) or not (len(division) == 6 and division.isdigit()) \
            or not in_jurisdiction(admin.division_code, division) or session.get(Commission, division) is None:
        errors["division"] = "应为本级或下级卫健委的6位行政区划代码"
    make_admin = body.get("admin", False)
    if not isinstance(make_admin, bool):
        errors["admin"] = "应为 true 或 false"
    if errors or not isinstance(username, str):
        raise invalid(errors)
    username = username.strip()
    if session.scalar(select(Account.id).where(Account.username == username)):
        raise conflict(f"用户名 {username} 已存在")
    account = Account(username=username, role="commission", status="active", division_code=division,
                      admin=make_admin, password_hash=hash_password(body["password"]), must_change_password=True)
    session.add(account)
    session.flush()
    audit(session, actor_of(admin), "create_staff_account", f"account:{account.id}", division, username=username, admin=make_admin)
    return account


def list_accounts(session: Session, account: Account, role: str = "institution", status: str = "",
                  q: str = "") -> list[tuple[Account, str]]:
    """(account, whose: institution name or division) in the jurisdiction. Staff accounts: administrators only."""
    if role not in ("institution", "commission"):
        raise invalid({"role": "应为 institution 或 commission"})
    if status and status not in ACCOUNT_STATUSES:
        raise invalid({"status": "应为 " + "、".join(ACCOUNT_STATUSES)})
    prefix = jurisdiction_prefix(account.division_code)
    if role == "commission":
        require_admin(account)
        query = (select(Account, Commission.name).join(Commission, Commission.division_code == Account.division_code)
                 .where(Account.role == "commission", Account.division_code.like(f"{prefix}%")))
    else:
        query = (select(Account, Institution.name).join(Institution, Institution.id == Account.institution_id)
                 .where(Account.role == "institution", Institution.division_code.like(f"{prefix}%")))
        if q.strip():
            query = query.where(or_(Institution.name.contains(q.strip()), Institution.uscc == q.strip().upper(),
                                    Account.username == q.strip()))
    if status:
        query = query.where(Account.status == status)
    return [(row[0], row[1]) for row in session.execute(query.order_by(Account.id).limit(MAX_LIST))]


def managed_account(session: Session, actor: Account, account_id: int) -> Account:
    """An account the actor may manage: an institution account of its jurisdiction, or (administrators) a staff
    account of its own or a lower division other than its own. Anything else is 404."""
    account = session.get(Account, account_id, with_for_update=True)
    if account is None or account.id == actor.id:
        raise not_found("账号")
    if account.role == "institution":
        institution = session.get(Institution, account.institution_id)
        if institution is not None and in_jurisdiction(actor.division_code, institution.division_code):
            return account
    elif account.role == "commission" and actor.admin and in_jurisdiction(actor.division_code, account.division_code):
        return account
    raise not_found("账号")


def set_enabled(session: Session, actor: Account, account_id: int, enabled: bool) -> Account:
    account = managed_account(session, actor, account_id)
    target = "active" if enabled else "disabled"
    if account.status == target:
        raise conflict("账号已是" + ACCOUNT_STATUSES[target] + "状态")
    if account.status not in ("active", "disabled"):
        raise conflict("待激活的账号不能停用或启用")
    account.status = target
    if enabled:
        account.failed_logins, account.locked_until = 0, None
    audit(session, actor_of(actor), "enable_account" if enabled else "disable_account", f"account:{account.id}",
          actor.division_code, username=account.username)
    return account


def one_time_password() -> str:
    """12 characters with letters and digits (the password rule), without look-alikes."""
    letters, digits = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
    while True:
        value = "".join(secrets.choice(letters + digits) for _ in range(12))
        if any(c in letters for c in value) and any(c in digits for c in value):
            return value


def reset_password(session: Session, actor: Account, account_id: int, mobile: object = None) -> str:
    """A new one-time password, sent by SMS to `mobile` or the institution's responsible person; returns the
    masked number it went to. The password itself is never returned."""
    account = managed_account(session, actor, account_id)
    target = mobile
    if target in (None, ""):
        institution = session.get(Institution, account.institution_id) if account.institution_id else None
        target = getattr(institution, "mobile", "") if institution else ""
        if not target:
            raise invalid({"mobile": "该账号没有登记负责人手机号码，请填写接收新密码的手机号码"})
    try:
        target = mobile_rule(target)
    except FieldError as error:
        raise invalid({"mobile": str(error)}) from None
    password = one_time_password()
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.failed_logins, account.locked_until = 0, None
    enqueue(session, SEND_SMS, to=target, text=f"【电子化注册】账号 {account.username} 的密码已重置，新密码为 {password}，"
                                               "请登录后立即修改。")
    audit(session, actor_of(actor), "reset_password", f"account:{account.id}", actor.division_code,
          username=account.username, sent_to=masked(target))
    return masked(target)


def masked(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:]


