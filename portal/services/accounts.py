"""Sign-up, activation, login and activation codes."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Account, ActivationCode, Institution, Person
from models.audit import audit
from models.base import as_utc, utcnow
from models.crypto import encrypt, hash_password, lookup_hash, verify_password
from models.db import must_get
from models.messages import send_sms
from models.registers.nurses import nurse_entry
from models.registers.physicians import physician_entry
from models.settings import Settings
from models.submission import institutions_of
from pipeline.accounts import clean_signup
from portal.errors import Refused, conflict, invalid, not_found
from portal.services.lockout import count_failed_login, refuse_if_locked

ACTIVATION_CODE_TTL = timedelta(hours=72)


def signup(session: Session, settings: Settings, data: dict) -> Account:
    clean = clean_signup(data)
    institution = session.get(Institution, clean["institution_id"])
    if institution is None or institution.identifier is None or institution.status != "operating":
        raise invalid({"institution_id": "执业机构不存在、未取得电子化注册识别码或不在执业状态"})
    id_hash = lookup_hash(settings.secret, clean["id_number"])
    person = session.scalar(select(Person).where(Person.id_number_hash == id_hash))
    if person is not None and session.scalar(select(Account.id).where(Account.person_id == person.id)):
        raise conflict("该证件号码已注册账号")
    if session.scalar(select(Person.id).where(Person.mobile == clean["mobile"], Person.id_number_hash != id_hash)):
        raise conflict("该手机号码已被其他账号使用")
    if person is not None:
        person = matched_person(session, person, clean, institution)
    else:
        person = Person(
            profession=clean["profession"],
            name=clean["name"],
            sex=clean["sex"],
            birth_date=clean["birth_date"],
            id_type=clean["id_type"],
            id_number_encrypted=encrypt(settings.secret, clean["id_number"]),
            id_number_hash=id_hash,
            mobile=clean["mobile"],
            institution_id=institution.id,
        )
    session.add(person)
    session.flush()
    account = Account(
        role="person",
        status="pending_activation",
        person_id=person.id,
        institution_id=institution.id,
        password_hash=hash_password(clean["password"]),
    )
    session.add(account)
    session.flush()
    audit(session, f"person:{account.id}", "signup", f"account:{account.id}", institution.division_code)
    return account


def matched_person(session: Session, person: Person, clean: dict, institution: Institution) -> Person:
    """Someone already in the registers without an account (entered at the counter, or loaded from a legacy register)
    signs up: the account joins their entry when what they give agrees with it, and their own institution activates it."""
    if person.profession != clean["profession"] or person.name != clean["name"]:
        raise invalid({"name": "姓名或职业与该证件号码已登记的信息不一致，请核对后再注册或到窗口办理"})
    places = staff_institutions(session, person)
    if places and institution.id not in places:
        names = "、".join(sorted(n for n in session.scalars(select(Institution.name).where(Institution.id.in_(places)))))
        raise invalid({"institution_id": f"请选择您注册所在的执业机构：{names}"})
    person.mobile = clean["mobile"]
    person.institution_id = institution.id
    return person


def staff_institutions(session: Session, person: Person) -> set[int]:
    """The institutions a person's register entries belong to (none for a person without one)."""
    places: set[int] = set()
    for entry in (nurse_entry(session, person.id), physician_entry(session, person.id)):
        if entry is not None and entry.status == "registered":
            places |= institutions_of(entry)
    return places


def find_login(session: Session, settings: Settings, username: str) -> Account | None:
    """Staff log in with a username; persons with their ID number or their mobile."""
    username = (username or "").strip()
    if not username:
        return None
    account = session.scalar(select(Account).where(Account.username == username))
    if account is not None:
        return account
    person_id = session.scalar(
        select(Person.id).where(or_(Person.id_number_hash == lookup_hash(settings.secret, username), Person.mobile == username))
    )
    if person_id is None:
        return None
    return session.scalar(select(Account).where(Account.person_id == person_id))


def login(session: Session, settings: Settings, username: str, password: str) -> Account:
    """The account, or Refused. A wrong password counts a failure, so the caller must commit even on refusal."""
    if not username or not password:
        raise invalid({k: "必填" for k, v in (("username", username), ("password", password)) if not v})
    account = find_login(session, settings, username)
    if account is None:
        raise Refused(401, "unauthorized", "用户名或密码错误")
    refuse_if_locked(account)
    if not verify_password(account.password_hash, password):
        count_failed_login(account)
        raise Refused(401, "unauthorized", "用户名或密码错误")
    if account.status == "pending_activation":
        raise Refused(403, "not_activated", "账号尚未激活，请向所在机构领取激活码")
    if account.status != "active":
        raise Refused(403, "disabled", "账号已停用")
    account.failed_logins, account.locked_until = 0, None
    return account


def pending_accounts(session: Session, institution_id: int, status: str = "pending_activation") -> list[tuple[Account, Person]]:
    rows = session.execute(
        select(Account, Person)
        .join(Person, Person.id == Account.person_id)
        .where(Account.institution_id == institution_id, Account.role == "person", Account.status == status)
        .order_by(Account.id)
    )
    return [(account, person) for account, person in rows]


def code_hash(settings: Settings, account_id: int, code: str) -> str:
    return lookup_hash(settings.secret, f"activation:{account_id}:{code.strip()}")


def issue_activation_code(session: Session, settings: Settings, institution_account: Account, account_id: int) -> str:
    account = session.get(Account, account_id)
    if account is None or account.role != "person" or account.institution_id != institution_account.institution_id:
        raise not_found("账号")
    if account.status != "pending_activation":
        raise conflict("该账号已激活，无需激活码")
    now = utcnow()
    for earlier in session.scalars(select(ActivationCode).where(ActivationCode.account_id == account.id, ActivationCode.used_at.is_(None))):
        earlier.used_at = now  # a new code replaces any earlier one
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        ActivationCode(
            account_id=account.id,
            code_hash=code_hash(settings, account.id, code),
            issued_by=institution_account.id,
            expires_at=now + ACTIVATION_CODE_TTL,
        )
    )
    person = must_get(session, Person, account.person_id)
    send_sms(session, settings, person.mobile, "activation_code", code=code, hours=int(ACTIVATION_CODE_TTL.total_seconds() // 3600))
    audit(session, f"institution:{institution_account.id}", "activation_code", f"account:{account.id}")
    return code


def activate(session: Session, settings: Settings, username: str, code: str) -> Account:
    fields = {k: "必填" for k, v in (("username", username), ("code", code)) if not v}
    if fields:
        raise invalid(fields)
    account = find_login(session, settings, username)
    if account is None or account.role != "person":
        raise invalid({"username": "账号不存在"})
    if account.status != "pending_activation":
        raise conflict("该账号已激活")
    now = utcnow()
    record = session.scalar(
        select(ActivationCode).where(
            ActivationCode.account_id == account.id,
            ActivationCode.code_hash == code_hash(settings, account.id, str(code)),
            ActivationCode.used_at.is_(None),
        )
    )
    if record is None or as_utc(record.expires_at) < now:
        raise invalid({"code": "激活码无效或已过期"})
    record.used_at = now
    account.status = "active"
    audit(session, f"person:{account.id}", "activate", f"account:{account.id}")
    return account


def operating_institutions(session: Session) -> list[Institution]:
    """Institutions a person may sign up with: operating and holding an identifier (as signup requires)."""
    return list(
        session.scalars(
            select(Institution)
            .where(Institution.status == "operating", Institution.identifier.is_not(None))
            .order_by(Institution.division_code, Institution.name)
            .limit(2000)
        )
    )
