"""Rule 4: sessions end when they should — a password change, a reset, a logout and disabling the account end every
token and page session of the account at once; tokens are short-lived."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from webtest import TestApp

from models import Account
from models.crypto import TOKEN_TTL_SECONDS, issue_token
from tests import factories
from tests.functional.security.conftest import sms_to
from tests.journeys import PASSWORD, login, person_account, staff_account, unique_username, wait_for

NEW_PASSWORD = "Anders-Passw0rt"


@pytest.fixture
def person(db, settings):
    institution = factories.institution(db, name=factories.unique_name("会话医院"), division="110105")
    made = person_account(db, settings, institution.id)
    db.commit()
    return made


def page_login(wsgi_app, username: str, password: str = PASSWORD) -> TestApp:
    browser = TestApp(wsgi_app)
    form = browser.get("/login").forms[0]
    form["username"], form["password"] = username, password
    assert form.submit().status_int == 302
    browser.get("/me", status=200)
    return browser


def test_logout_over_the_api_ends_every_token_and_page_session(api, wsgi_app, person):
    first, second = login(api, person["mobile"]), login(api, person["mobile"])
    browser = page_login(wsgi_app, person["mobile"])
    assert api.post_json("/api/v1/logout", {}, headers=first).json == {"status": "logged_out"}
    api.get("/api/v1/me/registration", headers=first, status=401)
    api.get("/api/v1/me/registration", headers=second, status=401)
    assert browser.get("/me").status_int == 302  # back to the login page
    api.post_json("/api/v1/logout", {}, headers=first, status=401)


def test_a_page_logout_ends_the_api_tokens_too(api, wsgi_app, person):
    token = login(api, person["mobile"])
    browser = page_login(wsgi_app, person["mobile"])
    form = browser.get("/logout").forms[0]
    form.submit()
    api.get("/api/v1/me/registration", headers=token, status=401)


def test_a_password_change_ends_the_others_and_answers_a_new_token(api, wsgi_app, person):
    mine, other = login(api, person["mobile"]), login(api, person["mobile"])
    browser = page_login(wsgi_app, person["mobile"])
    answer = api.post_json("/api/v1/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=mine).json
    assert answer["expires_in"] == TOKEN_TTL_SECONDS
    for ended in (mine, other):
        api.get("/api/v1/me/registration", headers=ended, status=401)
    assert browser.get("/me").status_int == 302
    api.get("/api/v1/me/registration", headers={"Authorization": f"Bearer {answer['token']}"})


def test_a_password_reset_ends_every_token(api, person, settings, workers):
    token = login(api, person["mobile"])
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]})
    text = wait_for(lambda: next(iter(sms_to(settings, person["mobile"])), None))
    code = re.search(r"验证码为 (\w+)", text).group(1)
    api.post_json("/api/v1/password-reset/confirm", {"username": person["mobile"], "code": code, "password": NEW_PASSWORD})
    api.get("/api/v1/me/registration", headers=token, status=401)
    login(api, person["mobile"], NEW_PASSWORD)


def test_disabling_an_account_ends_its_tokens_and_they_stay_ended_after_re_enabling(api, db, settings):
    institution = factories.institution(db, name=factories.unique_name("停用医院"), division="110105")
    username, admin_name = unique_username("inst"), unique_username("adm")
    staff_account(db, "institution", username, institution_id=institution.id)
    staff_account(db, "commission", admin_name, division="110105").admin = True
    db.commit()
    token, admin_headers = login(api, username), login(api, admin_name)
    account_id = db.scalar(select(Account.id).where(Account.username == username))
    api.post_json(f"/api/v1/commission/accounts/{account_id}/disable", {}, headers=admin_headers)
    api.get("/api/v1/institution/profile", headers=token, status=401)
    api.post_json(f"/api/v1/commission/accounts/{account_id}/enable", {}, headers=admin_headers)
    api.get("/api/v1/institution/profile", headers=token, status=401)  # a new login is needed


def test_tokens_are_short_lived_and_an_expired_one_is_refused(api, person, db):
    answer = api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}).json
    assert answer["expires_in"] == TOKEN_TTL_SECONDS <= 3600
    expired = issue_token(api.app.registry.settings["medreg"].secret, person["account_id"], 0, ttl_seconds=-1)
    api.get("/api/v1/me/registration", headers={"Authorization": f"Bearer {expired}"}, status=401)
    tampered = answer["token"].rsplit(".", 1)[0] + "." + "0" * 64
    api.get("/api/v1/me/registration", headers={"Authorization": f"Bearer {tampered}"}, status=401)
