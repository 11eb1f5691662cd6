"""Account life cycle: activation codes (single-use, expiring, replaced by a new one), password reset by an
SMS code, and the time-limited login lock-out."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from models import Account, ActivationCode, PasswordResetCode
from models.base import utcnow
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
    assert refused["error"]["fields"] == {"code": "激活码无效或已过期"}

    # An expired code is refused too.
    db.execute(ActivationCode.__table__.update().where(ActivationCode.account_id == person["account_id"], ActivationCode.used_at.is_(None))
               .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    api.post_json("/api/v1/activate", {"username": person["id_number"], "code": second}, status=400)
    third = api.post_json(url, {}, headers=desk.headers).json["code"]
    assert api.post_json("/api/v1/activate", {"username": person["id_number"], "code": third}).json["status"] == "active"
    assert api.post_json("/api/v1/activate", {"username": person["id_number"], "code": third}, status=409)
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
    assert bad["error"]["fields"] == {"code": "验证码错误，还可尝试4次"}
    assert api.post_json(confirm, {"username": person["mobile"], "code": code, "password": NEW_PASSWORD}).json["status"] == "password_changed"
    login(api, person["mobile"], NEW_PASSWORD)
    api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}, status=401)
    used = api.post_json(confirm, {"username": person["mobile"], "code": code, "password": PASSWORD}, status=400).json
    assert used["error"]["fields"] == {"code": "验证码错误、已使用或已过期，请重新获取"}

    # Five wrong guesses spend the code; an expired code is refused.
    db.execute(PasswordResetCode.__table__.update().where(PasswordResetCode.account_id == person["account_id"])
               .values(created_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    api.post_json("/api/v1/password-reset/request", {"username": person["id_number"]})
    fresh = reset_code(settings, person["mobile"], count=2)
    for _ in range(4):
        api.post_json(confirm, {"username": person["mobile"], "code": wrong, "password": PASSWORD}, status=400)
    spent = api.post_json(confirm, {"username": person["mobile"], "code": wrong, "password": PASSWORD}, status=400).json
    assert spent["error"]["fields"] == {"code": "验证码错误次数过多，已失效，请重新获取"}
    api.post_json(confirm, {"username": person["mobile"], "code": fresh, "password": PASSWORD}, status=400)


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
    account = db.get(Account, person["account_id"])
    db.refresh(account)
    assert locked["code"] == "locked" and account.locked_until is not None
    until = account.locked_until.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert locked["message"] == f"登录失败次数过多，账号已锁定至{until}（北京时间），届时可再次登录；也可通过短信验证码重置密码"
    assert timedelta(minutes=14) < account.locked_until - utcnow() <= timedelta(minutes=15)
    assert api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}, status=403).json["error"]["code"] == "locked"

    account.locked_until = utcnow() - timedelta(seconds=1)  # the fifteen minutes have passed
    db.commit()
    login(api, person["mobile"])
    db.refresh(account)
    assert (account.failed_logins, account.locked_until) == (0, None)
