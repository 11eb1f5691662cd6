"""Account hand-out 账号分发 and passwords: the commission enters an institution's set-up approval 设置审批 and
creates its account, or hands an account out to an institution already in the register (imported by `medreg import
institutions`, registered at the counter) that has none; the username and a one-time password go by SMS to the
responsible person's mobile; the first login must set a new password."""
from __future__ import annotations

import secrets
import string

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, Commission, Division, Institution, InstitutionEvent
from models.audit import audit
from models.crypto import hash_password, verify_password
from models.db import hold
from models.messages import send_sms
from models.registers.institutions import set_departments
from models.settings import Settings
from models.submission import actor_label
from pipeline.accounts import InstitutionHandout
from pipeline.fields import FieldError
from pipeline.fields import clean as clean_data
from pipeline.persons import mask_mobile
from pipeline.persons import password as password_rule
from pipeline.registers.institutions import SetupApproval
from pipeline.routing import in_jurisdiction
from portal.errors import Refused, conflict, invalid, not_found
from portal.services.attempts import PASSWORD, Attempt, subject_of

ONE_TIME_PASSWORD_LENGTH = 12
_ALPHABET = string.ascii_letters + string.digits


def one_time_password() -> str:
    """Random letters and digits, always with at least one of each (the password rule needs both)."""
    while True:
        value = "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_PASSWORD_LENGTH))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def institution_username(session: Session, division_code: str) -> str:
    """jg + division + a serial: short enough to type from an SMS, unique. Hand-outs in one division wait for each
    other until commit: two clerks of a county handing out at the same moment both counted the same usernames and
    took the same serial (a unique violation, then a 500, for all but one of them)."""
    prefix = f"jg{division_code}"
    hold(session, "handout", division_code)
    taken = set(session.scalars(select(Account.username).where(Account.username.like(f"{prefix}%"))))
    serial = len(taken) + 1
    while f"{prefix}{serial:04d}" in taken:
        serial += 1
    return f"{prefix}{serial:04d}"


def create_institution(session: Session, settings: Settings, account: Account, data: object) -> tuple[Institution, Account]:
    """Enter a set-up approval and hand out the institution's account (commission staff, own jurisdiction)."""
    clean = clean_data(SetupApproval, data, whole="body")
    division = session.get(Division, clean["division_code"])
    if division is None:
        raise invalid({"division_code": "行政区划代码不存在"})
    if not in_jurisdiction(account.division_code, clean["division_code"]):
        raise invalid({"division_code": "不在本卫生健康委辖区内"})
    if session.get(Commission, account.division_code) is None:
        raise Refused(403, "forbidden", "本账号所属卫生健康委不存在")
    refuse_entered_twice(session, clean)
    institution = Institution(
        name=clean["name"], type=clean["type"], division_code=clean["division_code"], registered_by=account.division_code,
        address=clean["address"], beds=clean["beds"], legal_rep=clean["legal_rep"], principal=clean["principal"],
        phone=clean.get("phone", ""), fax=clean.get("fax", ""), mobile=clean["mobile"], status="setup",
        setup={key: value for key, value in clean.items() if key != "mobile"},
    )
    session.add(institution)
    set_departments(institution, clean["departments"])
    session.flush()
    login = new_account(session, settings, institution, clean["mobile"])
    actor = actor_label(session, account)
    session.add(InstitutionEvent(institution_id=institution.id, actor=actor, action="setup_approval",
                                 text=f"设置审批录入，账号已分发（短信发送至 {mask_mobile(clean['mobile'])}）",
                                 detail={"setup": institution.setup}))
    audit(session, f"account:{account.id}", "institution_handout", f"institution:{institution.id}", account.division_code,
          account_id=login.id)
    return institution, login


def refuse_entered_twice(session: Session, clean: dict) -> None:
    """A set-up approval is entered once: the same approval number, or an institution of the same name not cancelled,
    in the division is 409 — a retried request or a double click made a second institution and a second account, with
    a second password sent to the same mobile. Set-ups in one division wait for each other, so two at once cannot both
    find nothing (the same lock as the username's serial, taken first)."""
    hold(session, "handout", clean["division_code"])
    approval_no = clean.get("approval_no")
    matches = [Institution.name == clean["name"]]
    if approval_no:
        matches.append(Institution.setup["approval_no"].as_string() == approval_no)
    same = session.scalar(select(Institution).where(
        Institution.division_code == clean["division_code"], Institution.status != "cancelled", or_(*matches)).limit(1))
    if same is not None:
        what = "设置审批文号相同" if approval_no and (same.setup or {}).get("approval_no") == approval_no else "名称相同"
        raise conflict(f"该行政区划已有{what}的医疗机构：{same.name}（机构编号 {same.id}），设置审批不能重复录入")


def new_account(session: Session, settings: Settings, institution: Institution, mobile: str,
                credentials_by: int | None = None) -> Account:
    """The institution's account with a one-time password, sent by SMS to `mobile`; the first login must change it."""
    username, password = institution_username(session, institution.division_code), one_time_password()
    login = Account(username=username, role="institution", status="active", institution_id=institution.id,
                    password_hash=hash_password(password), must_change_password=True, credentials_by=credentials_by)
    session.add(login)
    session.flush()
    # The password is sealed in the outbox (models/messages.py), never stored in clear while it waits.
    send_sms(session, settings, mobile, "institution_account", institution=institution.name, username=username,
             password=password)
    return login


def visible_institution(session: Session, account: Account, institution_id: int, lock: bool = False) -> Institution:
    """An institution of the commission account's jurisdiction; anything else, existing or not, is the same 404."""
    institution = session.get(Institution, institution_id, with_for_update=lock)
    if institution is None or not account.division_code or not in_jurisdiction(account.division_code, institution.division_code):
        raise not_found("医疗机构")
    return institution


def account_of(session: Session, institution_id: int) -> Account | None:
    """The institution's account (the first, should there be several), whatever its status."""
    return session.scalar(select(Account).where(Account.role == "institution", Account.institution_id == institution_id)
                          .order_by(Account.id).limit(1))


def hand_out(session: Session, settings: Settings, actor: Account, institution_id: int, data: object) -> tuple[Institution, Account]:
    """Hand out the account of an institution already in the register that has none (commission staff, own
    jurisdiction, as for a set-up approval): the mobile given becomes the responsible person's mobile on record and
    receives the username and a one-time password. 404 outside the jurisdiction, 409 if it has an account (of any
    status: a new password is the administrators' reset), 400 on a bad mobile; nothing is changed on refusal.

    The password goes to a mobile the actor typed, so unless it is the one already on record the new account's
    credentials count as the actor's (Account.credentials_by, the separation of duties in
    portal/services/applications.py), as with a reset to a chosen mobile (portal/services/commission_accounts.py)."""
    institution = visible_institution(session, actor, institution_id, lock=True)  # a second hand-out waits, then sees 409
    if account_of(session, institution.id) is not None:
        raise conflict(f"“{institution.name}”已有医疗机构账号，不能重复分发；如需新密码，请管理员在账号管理中重置")
    if institution.status == "cancelled":
        raise conflict(f"“{institution.name}”已注销，不能分发账号")
    mobile = clean_data(InstitutionHandout, data, whole="body")["mobile"]
    chosen_by = None if institution.mobile and institution.mobile == mobile else actor.id
    before = institution.mobile or ""
    institution.mobile = mobile
    login = new_account(session, settings, institution, mobile, credentials_by=chosen_by)
    session.add(InstitutionEvent(institution_id=institution.id, actor=actor_label(session, actor), action="account_handout",
                                 text=f"账号已分发（短信发送至 {mask_mobile(mobile)}）",
                                 detail={"account_id": login.id, "mobile_changed": before != mobile}))
    audit(session, f"account:{actor.id}", "institution_handout", f"institution:{institution.id}", actor.division_code,
          account_id=login.id, sent_to=mask_mobile(mobile))
    return institution, login


def change_password(session: Session, settings: Settings, account: Account, old_password: object, new_password: object,
                    client: str = "unknown") -> Account:
    """Set a new password after checking the old one (attempts limited, portal/services/attempts.py: the caller commits
    even on refusal); every other token and session of the account ends."""
    fields = {name: "必填" for name, value in (("old_password", old_password), ("new_password", new_password)) if not value}
    if fields:
        raise invalid(fields)
    attempt = Attempt(session, settings, PASSWORD, subject_of(account, ""), client)
    attempt.refuse_if_locked()
    if not isinstance(old_password, str) or not verify_password(account.password_hash, old_password):
        raise attempt.failed() or invalid({"old_password": "原密码不正确"})
    attempt.succeeded()
    try:
        clean = password_rule(new_password)
    except FieldError as error:
        raise invalid({"new_password": str(error)}) from None
    if clean == old_password:
        raise invalid({"new_password": "新密码不能与原密码相同"})
    account.password_hash = hash_password(clean)
    account.must_change_password = False
    account.end_sessions()
    audit(session, f"account:{account.id}", "password_change", f"account:{account.id}", account.division_code)
    return account

