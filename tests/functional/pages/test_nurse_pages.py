"""The nurse pages, password reset and assessment pages over WebTest: each renders in Chinese for its role,
a refused form names the field, and a nurse's renewal form submits into the pipeline."""
from __future__ import annotations

import re
from datetime import timedelta

from webtest import TestApp

from pipeline import clock
from portal.services.password_reset import BAD_CODE
from tests import factories
from tests.journeys import institution_desk, page_session, person_account
from tests.nurse_journeys import PNG, nurse, registered


def test_nurse_business_page_submits_every_kind_and_shows_field_errors(wsgi_app, api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("护士页面医院"))
    person = nurse(api, db, settings, desk.id)
    registered(db, person, desk.id, valid_until=clock.today() + timedelta(days=10))
    browser = page_session(wsgi_app, person["mobile"])

    page = browser.get("/me/nurse")
    for label in ("护士首次注册", "护士变更注册", "护士延续注册", "护士重新注册", "护士注销注册", "护士个人信息变更"):
        assert label in page.text
    info = browser.get("/me/nurse", {"kind": "nurse.info_change"})
    form = info.forms["nurse-form"]
    form["photo"] = ("a.gif", b"GIF89a0000", "image/gif")
    refused = form.submit(status=400)
    assert "照片只能是JPEG或PNG格式" in refused.text
    form = browser.get("/me/nurse", {"kind": "nurse.info_change"}).forms["nurse-form"]
    form["photo"] = ("me.png", PNG, "image/png")
    form["education"] = "本科"
    assert form.submit().status_int == 302

    renewal = browser.get("/me/nurse", {"kind": "nurse.renewal"})
    assert "延续注册无需填写内容" in renewal.text
    answer = renewal.forms["nurse-form"].submit()
    assert answer.status_int == 302 and "/me/applications/" in answer.location
    mine = browser.get("/me/registration")
    assert person["identifier"] in mine.text and "注册记录变化" in mine.text and "有效期至" in mine.text

    # Only nurses have the nurse page; a physician is sent back to their own page.
    doctor = person_account(db, settings, desk.id)
    db.commit()
    assert page_session(wsgi_app, doctor["mobile"]).get("/me/nurse").status_int == 302


def test_password_reset_page_sends_a_code_and_sets_the_new_password(wsgi_app, api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("重置页面医院"))
    person = nurse(api, db, settings, desk.id)
    browser = TestApp(wsgi_app)
    assert "忘记密码" in browser.get("/login").text
    form = browser.get("/password-reset").forms["reset-form"]
    form["username"] = person["mobile"]
    sent = form.submit()
    assert "验证码已发送" in sent.text
    # The SMS goes through the outbox, the code sealed with the deployment's secret: open the message the relay sends.
    from sqlalchemy import select

    from models import OutboxMessage
    from models.messages import opened
    queued = [m.payload for m in db.scalars(select(OutboxMessage).where(OutboxMessage.task == "workers.notifications.send_sms"))
              if m.payload["to"] == person["mobile"]]
    assert queued[-1]["sealed"] == ["code"] and not re.fullmatch(r"[0-9]{6}", queued[-1]["params"]["code"])
    code = opened(settings, queued[-1]["params"], queued[-1]["sealed"])["code"]
    form = sent.forms["reset-form"]
    # The new password is typed twice; a slip is refused on the second box before the code is even checked.
    form["code"], form["password"], form["password_confirm"] = code, "Another-passw0rd", "Another-passw0rb"
    mistyped = form.submit(status=400)
    assert "两次输入的新密码不一致" in mistyped.html.select_one("#f-password_confirm").parent.text
    assert mistyped.forms["reset-form"]["code"].value == code and mistyped.forms["reset-form"]["password"].value == ""
    form = mistyped.forms["reset-form"]
    form["code"], form["password"] = ("000000" if code != "000000" else "111111"), "Another-passw0rd"
    form["password_confirm"] = "Another-passw0rd"
    wrong = form.submit(status=400)
    assert BAD_CODE in wrong.text  # the same words whether or not the account exists
    form = wrong.forms["reset-form"]
    form["code"], form["password"], form["password_confirm"] = code, "Another-passw0rd", "Another-passw0rd"
    assert form.submit().status_int == 302
    page_session(wsgi_app, person["mobile"], "Another-passw0rd")


def test_assessment_page_is_for_institutions(wsgi_app, api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("考核页面医院"))
    page = page_session(wsgi_app, desk.username).get("/institution/assessments")
    assert "本机构医师定期考核结果" in page.text and "医师考核结果" in page.text
    assert TestApp(wsgi_app).get("/institution/assessments").status_int == 302  # to the login page
    nurse_person = nurse(api, db, settings, desk.id)
    page_session(wsgi_app, nurse_person["mobile"]).get("/institution/assessments", status=403)
