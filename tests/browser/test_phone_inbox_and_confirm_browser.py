"""A ward nurse on a 390 px phone: the personal end's menu leads to 消息 (her inbox: a registration nearing its end,
with the application it is about), the cards fit the screen with their labels; her own 注销注册 asks her to tick
that she knows what it ends before anything is filed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from models import Application, Notification
from tests import factories
from tests import nurse_journeys as nj
from tests.browser.support import PHONE, log_in


@pytest.fixture(scope="module")
def nurse(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    home = factories.institution(session, name=factories.unique_name("手机消息医院"))
    session.commit()
    nurse = nj.nurse(TestApp(wsgi_app), session, settings, home.id, name=factories.unique_name("林"))
    nj.registered(session, nurse, home.id)
    session.add(Notification(account_id=nurse["account_id"], event="nurse.expiring",
                             text="您的护士执业注册将于2027年1月31日到期，请在有效期届满前30日内通过所在机构申请延续注册。"))
    session.commit()
    yield nurse
    session.close()


def test_a_nurse_reads_her_inbox_and_a_cancellation_asks_first_on_a_phone(portal_url, browser, nurse, db):
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/login", nurse["mobile"])
    page.click("nav.subnav >> text=消息")
    card = page.locator("#inbox tbody tr").first
    expect(card.locator('td[data-label="内容"]')).to_contain_text("延续注册")
    assert "T" not in card.locator('td[data-label="时间"]').inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Her own cancellation: unticked, it is refused beside the box and nothing is filed.
    page.goto(f"{portal_url}/me/nurse?kind=nurse.cancellation")
    page.fill("#f-reason", "出国定居，不再从事护理")
    page.click("#nurse-form button[type=submit]:not([name=lookup])")
    expect(page.locator(".field.confirm .field-error")).to_have_text("请勾选确认后再提交")
    expect(page.locator("#f-reason")).to_have_value("出国定居，不再从事护理")
    assert page.locator(".field.confirm").bounding_box()["width"] <= PHONE["width"]
    assert db.scalar(select(func.count()).select_from(Application).where(
        Application.person_id == nurse["person_id"], Application.kind == "nurse.cancellation")) == 0
    page.check("#f-confirm")
    page.click("#nurse-form button[type=submit]:not([name=lookup])")
    expect(page.locator(".flash")).to_contain_text("申请已提交")
    assert db.scalar(select(func.count()).select_from(Application).where(
        Application.person_id == nurse["person_id"], Application.kind == "nurse.cancellation")) == 1
