"""Accounts at the commission end 账号管理: staff accounts created by a commission administrator for its own
and lower divisions; institution accounts of the jurisdiction listed, disabled, re-enabled, and given a new
one-time password by SMS (never shown)."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import Account, AccountRequest, Commission, Institution
from models import search as name_index
from models.accounts import credential_line
from models.audit import audit
from models.base import as_utc, utcnow
from models.crypto import hash_password
from models.divisions import within
from models.messages import send_sms
from models.settings import Settings
from pipeline.fields import FieldError
from pipeline.persons import mask_mobile
from pipeline.persons import mobile as mobile_rule
from pipeline.persons import password as password_rule
from pipeline.routing import in_jurisdiction, jurisdiction_prefix
from portal.cli.users import USERNAME
from portal.errors import Refused, conflict, invalid, not_found
from portal.services.attempts import lift_login_lock
from portal.services.paging import by_id, search_text

REQUEST_TTL = timedelta(hours=24)
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
    if not isinstance(division, str) or not (len(division) == 6 and division.isascii() and division.isdigit()) \
            or not in_jurisdiction(admin.division_code, division) or session.get(Commission, division) is None:
        errors["division"] = "应为本级或下级卫健委的6位行政区划代码"
    make_admin = body.get("admin", False)
    if not isinstance(make_admin, bool):
        errors["admin"] = "应为 true 或 false"
    mobile = body.get("mobile")
    if mobile not in (None, ""):
        try:
            mobile = mobile_rule(mobile)
        except FieldError as error:
            errors["mobile"] = str(error)
    if errors or not isinstance(username, str):
        raise invalid(errors)
    username = username.strip()
    if session.scalar(select(Account.id).where(Account.username == username)):
        raise conflict(f"用户名 {username} 已存在")
    # The administrator sets the first password: the account's credentials are theirs (credentials_by), for the
    # separation of duties — a second administrator they created is no second administrator.
    account = Account(username=username, role="commission", status="active", division_code=division,
                      admin=make_admin, password_hash=hash_password(body["password"]), must_change_password=True,
                      mobile=mobile or None, credentials_by=admin.id)
    session.add(account)
    session.flush()
    audit(session, actor_of(admin), "create_staff_account", f"account:{account.id}", division, username=username, admin=make_admin)
    return account


@dataclass(frozen=True)
class AccountList:
    rows: list[tuple[Account, str]]  # (account, whose: institution name or commission)
    next: str | None  # the cursor of the next page, None on the last


def list_accounts(session: Session, account: Account, role: str = "institution", status: str = "", q: str = "",
                  cursor: str = "", limit: int = MAX_LIST, page: int = 1) -> AccountList:
    """Accounts of the jurisdiction in id order, `limit` a page: after `cursor` (the `next` of the page before: as
    cheap at any depth as the first page; a province holds tens of thousands of institutions), else page `page`.
    Staff accounts: administrators only."""
    if role not in ("institution", "commission"):
        raise invalid({"role": "应为 institution 或 commission"})
    if status and status not in ACCOUNT_STATUSES:
        raise invalid({"status": "应为 " + "、".join(ACCOUNT_STATUSES)})
    prefix = jurisdiction_prefix(account.division_code)
    if role == "commission":
        require_admin(account)
        query = (select(Account, Commission.name).join(Commission, Commission.division_code == Account.division_code)
                 .where(Account.role == "commission", *within(Account.division_code, prefix)))
    else:
        query = (select(Account, Institution.name).join(Institution, Institution.id == Account.institution_id)
                 .where(Account.role == "institution", *within(Institution.division_code, prefix)))
        if q := search_text(q, "q", "查询内容"):
            query = query.where(or_(name_index.contains(session, Institution.name, q),
                                    Institution.uscc == q.upper(), Account.username == q))
    if status:
        query = query.where(Account.status == status)
    rows, following = by_id(session, query, Account.id, cursor, limit, page)
    return AccountList([(row[0], row[1]) for row in rows], following)


def managed_account(session: Session, actor: Account, account_id: int) -> Account:
    """An account the actor may manage: an administrator's, of an institution of its jurisdiction or (staff) of its own
    or a lower division, never its own. A non-administrator gets 403 before anything is looked up; anything outside
    the jurisdiction is 404."""
    require_admin(actor)
    account = session.get(Account, account_id, with_for_update=True)
    if account is None or account.id == actor.id:
        raise not_found("账号")
    if account.role == "institution":
        institution = session.get(Institution, account.institution_id)
        if institution is not None and in_jurisdiction(actor.division_code, institution.division_code):
            return account
    elif account.role == "commission" and in_jurisdiction(actor.division_code, account.division_code):
        return account
    raise not_found("账号")


def set_enabled(session: Session, settings: Settings, actor: Account, account_id: int, enabled: bool) -> Account:
    account = managed_account(session, actor, account_id)
    target = "active" if enabled else "disabled"
    if account.status == target:
        raise conflict("账号已是" + ACCOUNT_STATUSES[target] + "状态")
    if account.status not in ("active", "disabled"):
        raise conflict("待激活的账号不能停用或启用")
    account.status = target
    if enabled:
        account.failed_logins, account.locked_until = 0, None
        lift_login_lock(session, settings, account)
    else:
        account.end_sessions()  # every token and page session of the account ends now
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


def mobile_on_record(session: Session, account: Account) -> str:
    """Where a new password may go without a second administrator: an institution's responsible person, a staff
    account's own mobile ("" if none is recorded)."""
    if account.role == "institution":
        institution = session.get(Institution, account.institution_id) if account.institution_id else None
        return (getattr(institution, "mobile", "") or "") if institution else ""
    return account.mobile or ""


@dataclass(frozen=True)
class ResetOutcome:
    sent_to: str  # masked
    request_id: int | None = None  # set when a second administrator must approve first


def reset_password(session: Session, settings: Settings, actor: Account, account_id: int, mobile: object = None) -> ResetOutcome:
    """A new one-time password by SMS to the mobile on record. To any other mobile it waits for a second
    administrator (`approve_request`): one administrator alone can never send an account's password to a phone of
    their choosing. The password itself is never returned."""
    account = managed_account(session, actor, account_id)
    on_record = mobile_on_record(session, account)
    target = mobile if mobile not in (None, "") else on_record
    if not target:
        raise invalid({"mobile": "该账号没有登记手机号码，请填写接收新密码的手机号码（须另一名管理员批准）"})
    try:
        target = mobile_rule(target)
    except FieldError as error:
        raise invalid({"mobile": str(error)}) from None
    if target != on_record:
        request = AccountRequest(account_id=account.id, requested_by=actor.id, mobile=target,
                                 expires_at=utcnow() + REQUEST_TTL)
        session.add(request)
        session.flush()
        audit(session, actor_of(actor), "reset_password_requested", f"account:{account.id}", actor.division_code,
              username=account.username, sent_to=mask_mobile(target), request_id=request.id)
        return ResetOutcome(mask_mobile(target), request.id)
    send_new_password(session, settings, actor, account, target, chosen_by=None)
    return ResetOutcome(mask_mobile(target))


def send_new_password(session: Session, settings: Settings, actor: Account, account: Account, target: str,
                      chosen_by: int | None) -> None:
    """`chosen_by`: the administrator who chose a mobile not on record — from now on the account's credentials count as
    theirs, so they may not approve what this account confirms (portal/services/applications.py)."""
    password = one_time_password()
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.failed_logins, account.locked_until = 0, None
    account.credentials_by = chosen_by
    account.end_sessions()
    lift_login_lock(session, settings, account)
    send_sms(session, settings, target, "password_reset_by_commission", username=account.username or "", password=password)
    audit(session, actor_of(actor), "reset_password", f"account:{account.id}", actor.division_code,
          username=account.username, sent_to=mask_mobile(target))


def pending_requests(session: Session, actor: Account) -> list[tuple[AccountRequest, Account]]:
    """Requests of the jurisdiction waiting for a second administrator (administrators only), oldest first: the
    accounts managed_account would let the actor manage, chosen in SQL, so requests elsewhere in the country never
    crowd out the jurisdiction's own, and nothing is locked to show a list."""
    require_admin(actor)
    prefix = jurisdiction_prefix(actor.division_code)
    institutions = select(Institution.id).where(*within(Institution.division_code, prefix))
    mine = or_(and_(Account.role == "institution", Account.institution_id.in_(institutions)),
               and_(Account.role == "commission", *within(Account.division_code, prefix)))
    rows = session.execute(select(AccountRequest, Account).join(Account, Account.id == AccountRequest.account_id)
                           .where(AccountRequest.status == "pending", AccountRequest.expires_at > utcnow(),
                                  Account.id != actor.id, mine)
                           .order_by(AccountRequest.id).limit(MAX_LIST)).all()
    return [(request, account) for request, account in rows]


def approve_request(session: Session, settings: Settings, actor: Account, request_id: int) -> tuple[AccountRequest, Account]:
    """A second administrator (not the one who asked, nor an account in the line of their credentials — one they
    created —, with the account in their jurisdiction) carries a request out."""
    require_admin(actor)
    request = session.get(AccountRequest, request_id, with_for_update=True)
    if request is None or request.status != "pending" or as_utc(request.expires_at) <= utcnow():
        raise not_found("待批准的请求")
    account = managed_account(session, actor, request.account_id)
    if request.requested_by in credential_line(session, actor):
        raise Refused(403, "second_admin_required", "须由另一名管理员批准本人发起的请求（由发起人创建或设置密码的账号不算另一名管理员）")
    request.status, request.decided_by, request.decided_at = "approved", actor.id, utcnow()
    send_new_password(session, settings, actor, account, request.mobile, chosen_by=request.requested_by)
    audit(session, actor_of(actor), "reset_password_approved", f"account:{account.id}", actor.division_code,
          request_id=request.id, requested_by=request.requested_by)
    return request, account
