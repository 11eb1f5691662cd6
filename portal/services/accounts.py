"""Sign-up, activation, login and activation codes."""
from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from models import Account, ActivationCode, Application, Institution, Person, PersonProfile
from models.audit import audit
from models.base import as_utc, utcnow
from models.crypto import decrypt, encrypt, hash_password, keyed_digest, lookup_hash, lookup_hashes, verify_password
from models.db import hold, must_get
from models.messages import send_sms
from models.registers.nurses import nurse_entry
from models.registers.physicians import physician_entry
from models.settings import Settings
from models.submission import institutions_of
from pipeline import totp
from pipeline.accounts import clean_signup
from portal.errors import Refused, conflict, invalid, not_found
from portal.services.attempts import ACTIVATE, LOGIN, Attempt, subject_of

ACTIVATION_CODE_TTL = timedelta(hours=72)


SIGNED_UP = ("注册申请已受理。如信息无误，请向所选执业机构领取激活码，激活后即可登录；"
             "如该证件号码或手机号码已登记账号，将短信告知其登记手机。")


def signup(session: Session, settings: Settings, data: dict) -> Account | None:
    """A new account waiting for activation, or None when the ID number already has an account or the mobile belongs to
    someone else: then the registered mobile is told by SMS, and the caller answers exactly as for a new account (the
    answer never says whether an ID number or a mobile is registered; the password is hashed either way, same time).

    A sign-up changes nothing of a person already in the registers: the mobile it gives waits on the account
    (`Account.mobile`) and becomes the person's at activation — the institution activates only someone it knows, so
    anyone holding an ID number and a name cannot take a registered person's mobile before that. A sign-up never
    activated holds the ID number only so long: its institution may reject it (`reject_signup`), and after
    PENDING_DAYS a new sign-up for the ID number takes its place, so nobody locks the number's owner out for good."""
    clean = clean_signup(data)
    institution = session.get(Institution, clean["institution_id"])
    if institution is None or institution.identifier is None or institution.status != "operating":
        raise invalid({"institution_id": "执业机构不存在、未取得电子化注册识别码或不在执业状态"})
    password_hash = hash_password(clean["password"])
    # Sign-ups with one mobile wait for each other until commit: checked at the same moment, sign-ups of several ID
    # numbers with one mobile all found it free and each made a person holding it (a login by mobile is then
    # ambiguous). One ID number needs no lock: its unique key refuses the second person, and the request runs again.
    hold(session, "signup:mobile", clean["mobile"])
    hashes = lookup_hashes(settings.secrets, clean["id_number"])
    person = session.scalar(select(Person).where(Person.id_number_hash.in_(hashes)))
    held = session.scalar(select(Account).where(Account.person_id == person.id)) if person is not None else None
    if held is not None and person is not None and held.status == "pending_activation" and stale(held):
        release(session, held)
        audit(session, "anonymous", "signup_expired", f"account:{held.id}", institution.division_code)
        held = None
    if held is not None and person is not None:
        # The mobile on record hears of it (someone else may be using the number), else the one the sign-up gave.
        send_sms(session, settings, person.mobile or held.mobile or "", "signup_refused", what="证件号码")
        audit(session, "anonymous", "signup_refused", f"person:{person.id}", institution.division_code, reason="id_number")
        return None
    holder = mobile_holder(session, clean["mobile"], hashes)
    if holder is not None:
        send_sms(session, settings, clean["mobile"], "signup_refused", what="手机号码")
        audit(session, "anonymous", "signup_refused", f"person:{holder}", institution.division_code, reason="mobile")
        return None
    if person is not None and not bare(session, person):
        person = matched_person(session, person, clean, institution)
    else:
        # New, or a person only an earlier sign-up made (released since, nothing registered): this one's details.
        person = person or Person(id_number_hash=lookup_hash(settings.secret, clean["id_number"]))
        person.profession, person.name, person.sex = clean["profession"], clean["name"], clean["sex"]
        person.birth_date, person.id_type = clean["birth_date"], clean["id_type"]
        person.id_number_encrypted = encrypt(settings.secret, clean["id_number"])
        person.mobile, person.institution_id = clean["mobile"], institution.id
    session.add(person)
    session.flush()
    account = Account(
        role="person",
        status="pending_activation",
        person_id=person.id,
        institution_id=institution.id,
        password_hash=password_hash,
        mobile=clean["mobile"],
    )
    session.add(account)
    session.flush()
    audit(session, f"person:{account.id}", "signup", f"account:{account.id}", institution.division_code)
    return account


def mobile_of(account: Account, person: Person) -> str:
    """Where a person's account is reached: the mobile its sign-up gave while it waits for activation, else the
    person's on record."""
    return account.mobile or person.mobile


PENDING_DAYS = 30  # a sign-up its institution has not activated within this long gives way to a new one


def stale(account: Account) -> bool:
    return as_utc(account.created_at) < utcnow() - timedelta(days=PENDING_DAYS)


def mobile_holder(session: Session, mobile: str, hashes: list[str]) -> int | None:
    """The person (id) other than the ID number's who holds `mobile`: on record, or waiting on a sign-up."""
    on_record = session.scalar(select(Person.id).where(Person.mobile == mobile, Person.id_number_hash.not_in(hashes)).limit(1))
    if on_record is not None:
        return on_record
    return session.scalar(select(Account.person_id).join(Person, Person.id == Account.person_id).where(
        Account.role == "person", Account.status == "pending_activation", Account.mobile == mobile,
        Person.id_number_hash.not_in(hashes)).limit(1))


def bare(session: Session, person: Person) -> bool:
    """Whether nothing but a sign-up ever made or used this person: no register entry, no application, no profile."""
    return (nurse_entry(session, person.id) is None and physician_entry(session, person.id) is None
            and session.get(PersonProfile, person.id) is None
            and session.scalar(select(Application.id).where(Application.person_id == person.id).limit(1)) is None)


def release(session: Session, account: Account) -> None:
    """A sign-up never activated gives up its ID number: the account stays (its history, its audit) as `rejected`,
    without its person; its codes die; a person only it made keeps no mobile, so the number and the mobile are free."""
    person = session.get(Person, account.person_id) if account.person_id else None
    for code in session.scalars(select(ActivationCode).where(ActivationCode.account_id == account.id, ActivationCode.used_at.is_(None))):
        code.used_at = utcnow()
    account.status, account.person_id, account.mobile = "rejected", None, None
    session.flush()
    if person is not None and bare(session, person):
        person.mobile = ""


def unused_account_id(session: Session) -> int:
    """The answer's account id when no account was made (the ID number or mobile already has one): drawn from the
    accounts' own id sequence, as a new account's would be, so neither the number nor the ids after it tell the two
    answers apart; no account ever gets it. (SQLite, the embedded demo, has no sequence: the next id there.)"""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.scalar(text("SELECT nextval(pg_get_serial_sequence('accounts', 'id'))")))
    return int(session.scalar(select(func.max(Account.id))) or 0) + 1


def matched_person(session: Session, person: Person, clean: dict, institution: Institution) -> Person:
    """Someone already in the registers without an account (entered at the counter, or loaded from a legacy register)
    signs up: the account joins their entry when what they give agrees with it, and their own institution activates it;
    their mobile and institution change only then (`activate`)."""
    if person.profession != clean["profession"] or person.name != clean["name"]:
        raise invalid({"name": "姓名或职业与该证件号码已登记的信息不一致，请核对后再注册或到窗口办理"})
    places = staff_institutions(session, person)
    if places and institution.id not in places:
        names = "、".join(sorted(n for n in session.scalars(select(Institution.name).where(Institution.id.in_(places)))))
        raise invalid({"institution_id": f"请选择您注册所在的执业机构：{names}"})
    return person  # unchanged until activation (signup)


def staff_institutions(session: Session, person: Person) -> set[int]:
    """The institutions a person's register entries belong to (none for a person without one)."""
    places: set[int] = set()
    for entry in (nurse_entry(session, person.id), physician_entry(session, person.id)):
        if entry is not None and entry.status == "registered":
            places |= institutions_of(entry)
    return places


def find_login(session: Session, settings: Settings, username: str) -> Account | None:
    """Staff log in with a username; persons with their ID number or their mobile."""
    username = (username or "").strip() if isinstance(username, str) else ""
    if not username or len(username) > 64:
        return None
    account = session.scalar(select(Account).where(Account.username == username))
    if account is not None:
        return account
    person_id = session.scalar(select(Person.id).where(
        or_(Person.id_number_hash.in_(lookup_hashes(settings.secrets, username)), Person.mobile == username)).limit(1))
    if person_id is None:
        return None
    return session.scalar(select(Account).where(Account.person_id == person_id))


BAD_LOGIN = "用户名或密码错误"
OTP_REQUIRED = "该账号已绑定动态口令，请输入认证应用当前显示的6位数字"


def login(session: Session, settings: Settings, username: str, password: str, client: str = "unknown",
          otp: str | None = None) -> Account:
    """The account, or Refused. A failure is counted (portal/services/attempts.py), so the caller must commit even on
    refusal. The same answer, after one argon2 verification, whether the name is unknown or the password wrong.

    An account with a second factor (a TOTP secret: staff accounts enrolled by `medreg create-user` or by themselves)
    also needs the current code: none given, after the right password, is 400 on `otp` (not counted: nothing was
    guessed); a wrong one, or one of a step already used (by another client), is the wrong password's 401, counted by
    the same limit."""
    if not username or not password:
        raise invalid({k: "必填" for k, v in (("username", username), ("password", password)) if not v})
    account = find_login(session, settings, username)
    attempt = Attempt(session, settings, LOGIN, subject_of(account, username), client)
    attempt.refuse_if_locked()
    if not verify_password(account.password_hash if account is not None else None, password) or account is None:
        raise attempt.failed() or Refused(401, "unauthorized", BAD_LOGIN)
    if account.totp_secret_encrypted:
        if not otp:
            raise invalid({"otp": OTP_REQUIRED}, {"otp": "required"})
        if not accept_code(session, settings, account, otp, client=client):
            raise attempt.failed() or Refused(401, "unauthorized", BAD_LOGIN)
    attempt.succeeded()
    if account.status == "pending_activation":
        raise Refused(403, "not_activated", "账号尚未激活，请向所在机构领取激活码")
    if account.status != "active":
        raise Refused(403, "disabled", "账号已停用")
    return account


def accept_code(session: Session, settings: Settings, account: Account, code: str, secret: str | None = None,
                client: str | None = None) -> bool:
    """Whether `code` is current for the account's secret (or `secret`, being confirmed) and of a later step than any
    accepted before — or of that same step from the same client (pipeline/totp.py); if so the step and client are
    recorded, in one conditional UPDATE, so two logins from different clients racing with the same code cannot
    both pass."""
    secret = secret or decrypt(settings.secrets, account.totp_secret_encrypted or "")
    seen_from = keyed_digest(settings.secret, "totp-client", client) if client and client != "unknown" else None
    same_client = seen_from is not None and account.totp_last_client == seen_from
    step = totp.accepted_step(secret, code, time.time(), account.totp_last_step, same_step=same_client)
    if step is None:
        return False
    allowed = or_(Account.totp_last_step.is_(None), Account.totp_last_step < step)
    if same_client:
        allowed = or_(allowed, (Account.totp_last_step == step) & (Account.totp_last_client == seen_from))
    moved = session.execute(update(Account).where(Account.id == account.id, allowed)
                            .values(totp_last_step=step, totp_last_client=seen_from)
                            .execution_options(synchronize_session=False))
    if not getattr(moved, "rowcount", 0):
        return False
    account.totp_last_step, account.totp_last_client = step, seen_from
    return True


def enrol_totp(settings: Settings, account: Account) -> str:
    """A new secret for the account, encrypted at rest; the caller shows it once (`TOTP: …`)."""
    secret = totp.new_secret()
    account.totp_secret_encrypted = encrypt(settings.secret, secret)
    account.totp_last_step, account.totp_last_client = None, None
    account.totp_pending_encrypted = None
    return secret


def person_of(session: Session, account_id: int) -> Person | None:
    """The person an account belongs to (the caller has checked the account is its to see)."""
    account = session.get(Account, account_id)
    return session.get(Person, account.person_id) if account is not None and account.person_id else None


ACTIVATION_MAX_ATTEMPTS = 5
BAD_ACTIVATION = "账号或激活码有误，或激活码已失效，请核对或向所在机构重新领取"


def code_hash(settings: Settings, account_id: int, code: str, secret: str | None = None) -> str:
    return lookup_hash(secret or settings.secret, f"activation:{account_id}:{code.strip()}")


def code_matches(settings: Settings, account_id: int, code: str, stored: str) -> bool:
    """The code against its stored hash under every configured secret (a rotation does not void codes in flight)."""
    return any(hmac.compare_digest(stored, code_hash(settings, account_id, code, secret)) for secret in settings.secrets)


def issue_activation_code(session: Session, settings: Settings, institution_account: Account, account_id: int) -> str:
    """A new code for an account waiting for activation, replacing any earlier one. The account row is locked, so
    two codes issued at once leave one live code, not two (each with its own allowance of wrong guesses)."""
    account = session.get(Account, account_id, with_for_update=True)
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
    hours = int(ACTIVATION_CODE_TTL.total_seconds() // 3600)
    send_sms(session, settings, mobile_of(account, person), "activation_code", code=code, hours=hours)
    audit(session, f"institution:{institution_account.id}", "activation_code", f"account:{account.id}")
    return code


def activate(session: Session, settings: Settings, username: str, code: str, client: str = "unknown") -> Account:
    """Activate with the institution's code. Every failure — no such account, already active, wrong, spent or expired
    code — is the same 400 and is counted (the caller commits even on refusal): a code allows ACTIVATION_MAX_ATTEMPTS
    wrong guesses, the name and the client are limited too (portal/services/attempts.py)."""
    fields = {k: "必填" for k, v in (("username", username), ("code", code)) if not v}
    if fields:
        raise invalid(fields)
    account = find_login(session, settings, username)
    attempt = Attempt(session, settings, ACTIVATE, subject_of(account, username), client)
    attempt.refuse_if_locked()
    now = utcnow()
    record = None
    if account is not None and account.role == "person" and account.status == "pending_activation":
        record = session.scalar(
            select(ActivationCode).where(ActivationCode.account_id == account.id, ActivationCode.used_at.is_(None))
            .order_by(ActivationCode.id.desc()).limit(1).with_for_update()
        )
    usable = record is not None and as_utc(record.expires_at) >= now and (record.attempts or 0) < ACTIVATION_MAX_ATTEMPTS
    if account is None or record is None or not usable or not code_matches(settings, account.id, str(code), record.code_hash):
        if record is not None and usable:
            record.attempts = (record.attempts or 0) + 1
            if record.attempts >= ACTIVATION_MAX_ATTEMPTS:
                record.used_at = now
        raise attempt.failed() or invalid({"code": BAD_ACTIVATION})
    attempt.succeeded()
    record.used_at = now
    account.status = "active"
    person = must_get(session, Person, account.person_id)
    if account.mobile:  # what the sign-up gave becomes the person's now that their institution has vouched for them
        person.mobile, account.mobile = account.mobile, None
    if not staff_institutions(session, person):
        person.institution_id = account.institution_id
    audit(session, f"person:{account.id}", "activate", f"account:{account.id}")
    return account


def reject_signup(session: Session, settings: Settings, institution_account: Account, account_id: int) -> Account:
    """The institution does not know who signed up naming it (or the wrong person did): the sign-up is released
    (`release`), the ID number free for its owner to sign up again, and the mobile it gave is told."""
    account = session.get(Account, account_id, with_for_update=True)
    if account is None or account.role != "person" or account.institution_id != institution_account.institution_id \
            or account.person_id is None:
        raise not_found("账号")
    if account.status != "pending_activation":
        raise conflict("只有待激活的账号可以驳回")
    institution = must_get(session, Institution, institution_account.institution_id)
    mobile = mobile_of(account, must_get(session, Person, account.person_id))
    release(session, account)
    send_sms(session, settings, mobile, "signup_rejected", institution=institution.name)
    audit(session, f"institution:{institution_account.id}", "signup_rejected", f"account:{account.id}", institution.division_code)
    return account
