"""Staff accounts' second factor: `medreg create-user` enrols the account and prints `TOTP: <secret>`; logging in
then takes the current code as well, once per time-step, and wrong codes are limited like wrong passwords. Accounts
without a secret (persons, institutions handed out by SMS) log in with their password alone, as before."""
from __future__ import annotations

import os
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from models import Account, AuditEntry
from models.crypto import decrypt
from portal.cli import main
from portal.services.accounts import enrol_totp
from tests import factories
from tests.functional.portal.test_cli import fresh_uscc
from tests.functional.security.conftest import client
from tests.functional.test_migrations import ROOT, medreg_command
from tests.institution_steps import hand_out
from tests.journeys import PASSWORD, commission_desk, login, page_session, person_account, staff_account, unique_username

# Client addresses of this module's own (100.64.7.x): a client lock left here must not reach another module's test.
TOTP_LINE = re.compile(r"^TOTP: ([A-Z2-7]+)$", re.MULTILINE)


@pytest.fixture
def cli_env(monkeypatch, settings):
    for name, value in {"MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": settings.broker_url,
                        "MEDREG_SECRET": settings.secret, "MEDREG_LICENCE_KEYS": settings.licence_keys,
                        "MEDREG_PASSWORD": PASSWORD}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MEDREG_CHANNELS", raising=False)
    return settings


def create_user(capsys, *argv: str) -> tuple[str, str]:
    """Run `medreg create-user` in-process: (username, the printed TOTP secret)."""
    username = unique_username("staff")
    assert main(["create-user", *argv, "--username", username]) == 0
    found = TOTP_LINE.search(capsys.readouterr().out)
    assert found, "create-user printed no TOTP line"
    return username, found.group(1)


@pytest.fixture
def enrolled(cli_env, db, capsys):
    factories.divisions(db)
    db.commit()
    return create_user(capsys, "--role", "commission", "--division", "110105")


def step_code(secret: str, steps: int = 0) -> str:
    """The code of the current time-step, or of one `steps` away (still inside the ±1 window)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def test_create_user_run_as_a_command_prints_the_totp_secret_on_a_line_of_its_own(cli_env, db, settings):
    factories.divisions(db)
    db.commit()
    username = unique_username("cmd")
    environment = {**os.environ, "MEDREG_PASSWORD": PASSWORD}
    done = subprocess_run([*medreg_command(), "create-user", "--role", "commission", "--division", "110105",
                           "--username", username], environment)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(username in line and "已创建卫健委账号" in line for line in lines)  # what it printed before stays
    secret = TOTP_LINE.search(done.stdout).group(1)
    assert len(secret) >= 32 and pyotp.TOTP(secret).now().isdigit()  # valid base32, 160 bits
    assert any(line.startswith("otpauth://totp/") and f"secret={secret}" in line for line in lines)
    account = db.scalar(select(Account).where(Account.username == username))
    assert secret not in account.totp_secret_encrypted  # encrypted at rest
    assert decrypt(settings.secrets, account.totp_secret_encrypted) == secret
    entry = db.scalar(select(AuditEntry).where(AuditEntry.target == f"account:{account.id}", AuditEntry.action == "create_account"))
    assert entry.detail["totp"] is True and secret not in str(entry.detail)


def subprocess_run(argv: list[str], environment: dict):
    import subprocess

    return subprocess.run(argv, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_an_institution_account_made_by_create_user_is_enrolled_too(cli_env, db, capsys, api, tmp_path):
    from tests.functional.portal.test_cli import INSTITUTION_HEADER, institution_row, write_csv

    factories.divisions(db)
    db.commit()
    uscc = fresh_uscc()
    assert main(["import", "institutions", str(write_csv(tmp_path / "i.csv", INSTITUTION_HEADER, [institution_row(uscc, "口令医院")]))]) == 0
    capsys.readouterr()
    username, secret = create_user(capsys, "--role", "institution", "--institution", uscc)
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD}, status=400)
    answer = api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": step_code(secret)}).json
    assert answer["role"] == "institution"


def test_login_needs_the_current_code_once(api, db, enrolled):
    username, secret = enrolled
    missing = api.post_json("/api/v1/login", {"username": username, "password": PASSWORD}, status=400).json["error"]
    assert missing["codes"] == {"otp": "required"} and "动态口令" in missing["fields"]["otp"]
    wrong_password = api.post_json("/api/v1/login", {"username": username, "password": "Wrong-passw0rd"}, status=401).json
    bad = str((int(step_code(secret)) + 1) % 10**6).zfill(6)
    wrong_code = api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": bad}, status=401).json
    assert wrong_code == wrong_password  # a wrong code says no more than a wrong password
    # Without the password, the code alone gets nowhere (and says nothing about the code).
    assert api.post_json("/api/v1/login", {"username": username, "password": "Wrong-passw0rd", "otp": step_code(secret)},
                         status=401).json == wrong_password

    # The steps around the code are taken from the moment the code was: the test may cross a 30 s boundary.
    moment = time.time()
    code, before, after = (pyotp.TOTP(secret).at(moment + 30 * steps) for steps in (0, -1, 1))
    here, elsewhere = client("100.64.7.20"), client("100.64.7.21")
    answer = api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": code}, **here).json
    assert answer["role"] == "commission" and answer["token"]
    api.get("/api/v1/commission/queue", headers={"Authorization": f"Bearer {answer['token']}"})
    # The same code replayed from another client is refused like a wrong one; so is the step before, from anywhere.
    assert api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": code}, status=401,
                         **elsewhere).json == wrong_password
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": before}, status=401, **here)
    # The client that used it may log in again within the step (a script logging in twice computes the same code).
    again = api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": code}, **here).json
    assert again["role"] == "commission" and again["token"]
    # The next step's code (the app's clock 30 s ahead) is accepted, and then the current step no longer is, even here.
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": after}, **elsewhere)
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": code}, status=401, **here)
    account = db.scalar(select(Account).where(Account.username == username))
    db.refresh(account)
    assert account.totp_last_step == int(moment) // 30 + 1


def test_wrong_codes_are_limited_like_wrong_passwords(api, app_with, db, enrolled):
    username, secret = enrolled
    bad = str((int(step_code(secret)) + 500_000) % 10**6).zfill(6)
    attempt = {"username": username, "password": PASSWORD, "otp": bad}
    for _ in range(4):
        api.post_json("/api/v1/login", attempt, status=401, **client("100.64.7.1"))
    locked = api.post_json("/api/v1/login", attempt, status=403, **client("100.64.7.1")).json["error"]
    assert locked["code"] == "locked"
    # Locked: even the right code is refused from there until the lock ends.
    api.post_json("/api/v1/login", {**attempt, "otp": step_code(secret)}, status=403, **client("100.64.7.1"))

    # One address guessing codes across accounts: 429 once the address's limit is reached.
    portal = app_with(client_failure_limit=3)
    for _ in range(2):
        portal.post_json("/api/v1/login", attempt, status=(401, 403), **client("100.64.7.2"))
    refused = portal.post_json("/api/v1/login", attempt, status=429, **client("100.64.7.2"))
    assert refused.headers["Retry-After"]


def test_a_missing_code_is_not_counted_and_does_not_clear_the_failures(api, db, enrolled):
    username, _ = enrolled
    for _ in range(3):
        api.post_json("/api/v1/login", {"username": username, "password": "Wrong-passw0rd"}, status=401, **client("100.64.7.3"))
    for _ in range(5):  # forgetting the code is no failure ...
        api.post_json("/api/v1/login", {"username": username, "password": PASSWORD}, status=400, **client("100.64.7.3"))
    # ... nor a success: two more failures lock the pair.
    api.post_json("/api/v1/login", {"username": username, "password": "Wrong-passw0rd"}, status=401, **client("100.64.7.3"))
    api.post_json("/api/v1/login", {"username": username, "password": "Wrong-passw0rd"}, status=403, **client("100.64.7.3"))


def test_accounts_without_a_secret_log_in_as_before(api, db, settings, workers):
    institution = factories.institution(db, name=factories.unique_name("无口令医院"), division="110105")
    person = person_account(db, settings, institution.id)
    db.commit()
    api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD})
    # A code given anyway is ignored for an account without a secret.
    api.post_json("/api/v1/login", {"username": person["id_number"], "password": PASSWORD, "otp": "123456"})
    _, commission = commission_desk(api, db, "110105")
    handed = hand_out(api, settings, commission, beds=20)
    answer = api.post_json("/api/v1/login", {"username": handed["username"], "password": handed["one_time_password"]}).json
    assert answer["role"] == "institution" and answer["must_change_password"] is True


def test_the_login_page_takes_the_code(wsgi_app, db, enrolled):
    username, secret = enrolled
    form_page = page_session(wsgi_app).get("/login")
    assert "动态口令" in form_page.text and "请输入6位数字" in form_page.text
    browser = page_session(wsgi_app)
    form = browser.get("/login").forms["login-form"]
    form["username"], form["password"] = username, PASSWORD
    refused = form.submit(status=400)
    assert "动态口令" in refused.text and 'id="otp-error"' in refused.text
    form = refused.forms["login-form"]
    form["password"], form["otp"] = PASSWORD, str((int(step_code(secret)) + 1) % 10**6).zfill(6)
    assert "用户名或密码错误" in form.submit(status=401).text
    form = browser.get("/login").forms["login-form"]
    form["username"], form["password"], form["otp"] = username, PASSWORD, step_code(secret)
    done = form.submit()
    assert done.status_int == 302
    assert done.follow().status_int == 200


# --- binding a second factor later: the account itself, or an operator ---------------------------------------


def test_a_staff_account_binds_its_own_second_factor(api, db):
    username, headers = commission_desk(api, db, "110105")
    api.post_json("/api/v1/totp/confirm", {"otp": "123456"}, headers=headers, status=409)  # nothing to confirm yet
    wrong = api.post_json("/api/v1/totp/enrol", {"password": "Wrong-passw0rd"}, headers=headers, status=400).json["error"]
    assert "password" in wrong["fields"]
    given = api.post_json("/api/v1/totp/enrol", {"password": PASSWORD}, headers=headers).json
    assert given["status"] == "pending" and f"secret={given['secret']}" in given["otpauth_uri"]
    # Until it is confirmed the account still logs in with its password alone.
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD})
    secret = api.post_json("/api/v1/totp/enrol", {"password": PASSWORD}, headers=headers).json["secret"]  # a new one
    assert secret != given["secret"]
    stale = api.post_json("/api/v1/totp/confirm", {"otp": step_code(given["secret"])}, headers=headers, status=400).json
    assert "otp" in stale["error"]["fields"]
    assert api.post_json("/api/v1/totp/confirm", {"otp": step_code(secret)}, headers=headers).json == {"status": "enrolled"}
    api.post_json("/api/v1/totp/enrol", {"password": PASSWORD}, headers=headers, status=409)  # bound: not replaced from a session
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD}, status=400)
    # The confirming code's step is spent; the next one logs in.
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": step_code(secret)}, status=401)
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": step_code(secret, 1)})
    account_id = db.scalar(select(Account.id).where(Account.username == username))
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.target == f"account:{account_id}", AuditEntry.action.like("totp%")))
    assert set(actions) == {"totp_enrol", "totp_enrolled"}
    assert secret not in str(db.scalars(select(AuditEntry.detail).where(AuditEntry.target == f"account:{account_id}")).all())


def test_persons_have_no_second_factor_to_bind(api, db, settings):
    institution = factories.institution(db, name=factories.unique_name("个人口令医院"), division="110105")
    person = person_account(db, settings, institution.id)
    db.commit()
    token = api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}).json["token"]
    refused = api.post_json("/api/v1/totp/enrol", {"password": PASSWORD}, headers={"Authorization": f"Bearer {token}"}, status=403)
    assert refused.json["error"]["code"] == "forbidden"


def test_wrong_confirming_codes_are_limited(api, db):
    _, headers = commission_desk(api, db, "110105")
    secret = api.post_json("/api/v1/totp/enrol", {"password": PASSWORD}, headers=headers).json["secret"]
    bad = str((int(step_code(secret)) + 500_000) % 10**6).zfill(6)
    for _ in range(4):
        api.post_json("/api/v1/totp/confirm", {"otp": bad}, headers=headers, status=400, **client("100.64.7.4"))
    locked = api.post_json("/api/v1/totp/confirm", {"otp": bad}, headers=headers, status=403, **client("100.64.7.4")).json
    assert locked["error"]["code"] == "locked"


def test_the_settings_page_binds_the_second_factor(wsgi_app, api, db):
    username, _ = commission_desk(api, db, "110105")
    browser = page_session(wsgi_app, username)
    page = browser.get("/account/totp")
    assert "获取密钥" in page.text and "style=" not in page.text and "<script>" not in page.text
    form = page.forms["totp-enrol-form"]
    form["password"] = PASSWORD
    shown = form.submit()
    secret = shown.html.find(id="totp-secret").text
    # A QR code to scan, of the address shown (and so of the secret), inline: the secret goes to no other request.
    import base64

    from portal.pages.accounts import qr_data_uri

    picture = shown.html.find(id="totp-qr")["src"]
    uri = shown.html.find(id="totp-uri").text
    assert picture.startswith("data:image/svg+xml;base64,") and b"<svg" in base64.b64decode(picture.split(",", 1)[1])
    assert secret in uri and picture == qr_data_uri(uri)
    form = shown.forms["totp-confirm-form"]
    form["otp"] = str((int(step_code(secret)) + 1) % 10**6).zfill(6)
    assert "动态口令不正确" in form.submit(status=400).text
    form = browser.get("/account/totp").forms["totp-confirm-form"]  # pending: the code form stays
    form["otp"] = step_code(secret)
    assert "已绑定动态口令" in form.submit().follow().text
    # The login page then needs the code.
    login_form = page_session(wsgi_app).get("/login").forms["login-form"]
    login_form["username"], login_form["password"], login_form["otp"] = username, PASSWORD, step_code(secret, 1)
    assert login_form.submit().status_int == 302


def test_enrol_totp_binds_or_replaces_the_second_factor_of_an_existing_account(cli_env, api, db, capsys):
    username, _ = commission_desk(api, db, "110105")
    assert main(["enrol-totp", "--username", username]) == 0
    first = TOTP_LINE.search(capsys.readouterr().out).group(1)
    assert main(["enrol-totp", "--username", username]) == 0  # a lost phone: a new secret, the old one void
    out = capsys.readouterr().out
    assert "更换" in out
    second = TOTP_LINE.search(out).group(1)
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": step_code(first)}, status=401)
    api.post_json("/api/v1/login", {"username": username, "password": PASSWORD, "otp": step_code(second)})
    assert main(["enrol-totp", "--username", "no-such-staff"]) == 1


def test_an_administrators_password_reset_keeps_the_second_factor(api, db, settings):
    factories.divisions(db)
    admin = staff_account(db, "commission", unique_username("admin"), division="110105")
    admin.admin = True
    staff = staff_account(db, "commission", unique_username("bound"), division="110105")
    staff.mobile = "13800000071"
    enrol_totp(settings, staff)
    db.commit()
    before = staff.totp_secret_encrypted
    answer = api.post_json(f"/api/v1/commission/accounts/{staff.id}/password-reset", {}, headers=login(api, admin.username), status=202)
    assert answer.json["status"] == "sent"
    db.refresh(staff)
    assert staff.totp_secret_encrypted == before and staff.must_change_password is True
