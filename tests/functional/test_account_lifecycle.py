"""Account life cycle: activation codes (single-use, expiring, replaced by a new one), password reset by an
SMS code, and the time-limited login lock-out."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from models import ActivationCode, AttemptCounter, PasswordResetCode
from models.base import utcnow
from portal.services.accounts import BAD_ACTIVATION
from portal.services.password_reset import BAD_CODE
from tests import factories
from tests.journeys import PASSWORD, institution_desk, login, physician_signup, wait_for
from tests.nurse_journeys import nurse

pytestmark = pytest.mark.usefixtures("workers")
NEW_PASSWORD = "Neues-Passw0rt"


def sms_to(settings, mobile: str) -> list[str]:
    path = Path(settings.sms_backend.partition(":")[2])
    if not path.exists():
        return []
    return [line["text"] for line in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if line["to"] == mobile]


def reset_code(settings, mobile: str, count: int = 1) -> str:
    texts = wait_for(lambda: (lambda t: t if len(t) >= count else None)(sms_to(settings, mobile)))
    return re.search(r"验证码为 ([0-9]{6})", texts[-1]).group(1)


def test_a_new_activation_code_replaces_the_old_one_and_a_code_is_single_use_and_expires(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("激活医院"))
    person = physician_signup(api, desk.id, name=factories.unique_name())
    url = f"/api/v1/institution/accounts/{person['account_id']}/activation-code"
    first = api.post_json(url, {}, headers=desk.headers).json["code"]
    second = api.post_json(url, {}, headers=desk.headers).json["code"]
    refused = api.post_json("/api/v1/activate", {"username": person["id_number"], "code": first}, status=400).json
    assert refused["error"]["fields"] == {"code": BAD_ACTIVATION}

    # An expired code is refused too.
    db.execute(ActivationCode.__table__.update().where(ActivationCode.account_id == person["account_id"], ActivationCode.used_at.is_(None))
               .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    api.post_json("/api/v1/activate", {"username": person["id_number"], "code": second}, status=400)
    third = api.post_json(url, {}, headers=desk.headers).json["code"]
    assert api.post_json("/api/v1/activate", {"username": person["id_number"], "code": third}).json["status"] == "active"
    # Once active, the same code is refused like any wrong one (the answer never says whether an account is active).
    again = api.post_json("/api/v1/activate", {"username": person["id_number"], "code": third}, status=400).json
    assert again["error"]["fields"] == {"code": BAD_ACTIVATION}
    assert api.post_json(url, {}, headers=desk.headers, status=409)


def test_password_reset_by_sms_code(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("重置医院"))
    person = nurse(api, db, settings, desk.id)

    unknown = api.post_json("/api/v1/password-reset/request", {"username": "13000000000"}).json
    known = api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}).json
    assert unknown == known == {"status": "sent_if_exists", "message": "如该账号存在且登记了手机号码，验证码已发送至该手机，10分钟内有效"}
    code = reset_code(settings, person["mobile"])
    assert sms_to(settings, person["mobile"]) == [
        f"【电子化注册】您正在重置登录密码，验证码为 {code}，10分钟内有效。如非本人操作，请忽略本短信。"]
    assert api.post_json("/api/v1/password-reset/request", {}, status=400).json["error"]["fields"] == {"username": "必填"}

    confirm = "/api/v1/password-reset/confirm"
    weak = api.post_json(confirm, {"username": person["mobile"], "code": code, "password": "short"}, status=400).json
    assert weak["error"]["fields"] == {"password": "密码长度应为8至128个字符"}
    wrong = "000000" if code != "000000" else "111111"
    bad = api.post_json(confirm, {"username": person["mobile"], "code": wrong, "password": NEW_PASSWORD}, status=400).json
    assert bad["error"]["fields"] == {"code": BAD_CODE}  # the same whether or not the account exists
    assert api.post_json(confirm, {"username": person["mobile"], "code": code, "password": NEW_PASSWORD}).json["status"] == "password_changed"
    login(api, person["mobile"], NEW_PASSWORD)
    api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}, status=401)
    used = api.post_json(confirm, {"username": person["mobile"], "code": code, "password": PASSWORD}, status=400).json
    assert used["error"]["fields"] == {"code": BAD_CODE}

    # Five wrong guesses spend the code (from five addresses here, so no address reaches its own limit first).
    db.execute(PasswordResetCode.__table__.update().where(PasswordResetCode.account_id == person["account_id"])
               .values(created_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    api.post_json("/api/v1/password-reset/request", {"username": person["id_number"]})
    fresh = reset_code(settings, person["mobile"], count=2)
    for guess in range(5):
        api.post_json(confirm, {"username": person["mobile"], "code": wrong, "password": PASSWORD}, status=400,
                      extra_environ={"REMOTE_ADDR": f"192.0.2.{guess + 1}"})
    api.post_json(confirm, {"username": person["mobile"], "code": fresh, "password": PASSWORD}, status=400,
                  extra_environ={"REMOTE_ADDR": "192.0.2.10"})


def test_login_locks_for_fifteen_minutes_after_five_failures_and_success_resets(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("锁定医院"))
    person = nurse(api, db, settings, desk.id)
    attempt = {"username": person["mobile"], "password": "Wrong-passw0rd"}
    for _ in range(4):
        api.post_json("/api/v1/login", attempt, status=401)
    login(api, person["mobile"])  # success resets the count
    for _ in range(4):
        api.post_json("/api/v1/login", attempt, status=401)
    locked = api.post_json("/api/v1/login", attempt, status=403).json["error"]
    # The lock is kept in attempt_counters (every portal process sees it), per name and client address.
    until = db.scalar(select(func.max(AttemptCounter.locked_until)).where(AttemptCounter.purpose == "login"))
    assert locked["code"] == "locked" and until is not None
    shown = until.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert locked["message"] == f"登录失败次数过多，账号已锁定至{shown}（北京时间），届时可再次登录；也可通过短信验证码重置密码"
    assert timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)
    assert api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}, status=403).json["error"]["code"] == "locked"
    # The ID number is the same account: locked too.
    assert api.post_json("/api/v1/login", {"username": person["id_number"], "password": PASSWORD}, status=403).json["error"]["code"] == "locked"

    db.execute(update(AttemptCounter).where(AttemptCounter.locked_until.is_not(None))
               .values(locked_until=utcnow() - timedelta(seconds=1)))  # the fifteen minutes have passed
    db.commit()
    login(api, person["mobile"])
