"""分发账号 on a 390 px phone: the commission opens an institution of the register that has no account, is told in
Chinese next to the field what is wrong with the mobile, then hands the account out."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from models import Account
from tests import commission_world as cw
from tests import factories
from tests.browser.support import PHONE, log_in


def test_handing_out_an_account_on_a_phone(portal_url, browser, api, db):
    institution = factories.institution(db, name=factories.unique_name("手机分发医院"), division="110105")
    db.commit()
    desk = cw.commission(api, db, "110105")
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/commission", desk.username)
    page.goto(f"{portal_url}/commission/institutions/{institution.id}")
    expect(page.locator("#institution-account")).to_contain_text("尚无账号")
    page.fill("#f-mobile", "1380000")
    page.click("#handout-form button[type=submit]")
    expect(page.locator("#mobile-error")).to_have_text("手机号码应为11位中国大陆手机号")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    mobile = factories.unique_mobile()
    page.fill("#f-mobile", mobile)
    page.click("#handout-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text(f"已为“{institution.name}”分发账号")
    expect(page.locator(".flash")).to_contain_text(mobile[:3] + "****" + mobile[-4:])
    expect(page.locator("#handout-form")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    db.expire_all()
    assert db.scalar(select(Account).where(Account.institution_id == institution.id)).must_change_password
