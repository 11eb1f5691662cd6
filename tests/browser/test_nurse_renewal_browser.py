"""A nurse's renewal 延续注册 driven through the pages in Chromium: the nurse (on a phone) applies in the renewal
window, the institution confirms, the commission approves, and the nurse sees five more years on her record."""
from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import expect

from pipeline import clock
from pipeline.registers.nurses import renewed_until
from tests import factories
from tests.browser.support import PHONE, log_in, reload_until
from tests.journeys import institution_desk, staff_account
from tests.nurse_journeys import nurse, registered


def test_nurse_renewal_through_the_pages(portal_url, browser, api, db, settings, workers):
    tag = uuid.uuid4().hex[:6]
    desk = institution_desk(api, db, name=factories.unique_name("延续浏览器医院"))
    staff_account(db, "commission", f"br-nc-{tag}", division="110105")
    db.commit()
    person = nurse(api, db, settings, desk.id)
    until = clock.today() + timedelta(days=12)
    registered(db, person, desk.id, valid_until=until)

    applicant = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    institution = browser.new_context(locale="zh-CN").new_page()
    commission = browser.new_context(locale="zh-CN").new_page()

    # 1. The nurse applies for renewal from the nurse business page.
    log_in(applicant, f"{portal_url}/login", person["mobile"])
    expect(applicant).to_have_url(f"{portal_url}/me")
    applicant.click("text=护士注册业务 >> nth=-1")
    applicant.click("text=护士延续注册")
    expect(applicant.locator("main")).to_contain_text(f"有效期至 {until.isoformat()}")
    applicant.click("#nurse-form button[type=submit]")
    expect(applicant.locator(".flash")).to_contain_text("申请已提交")
    application_id = int(applicant.url.rstrip("/").rsplit("/", 1)[1])

    # 2. The institution confirms once verification has put it on its list.
    log_in(institution, f"{portal_url}/login", desk.username)
    task = institution.locator(f"a[href$='/institution/tasks/{application_id}']")
    reload_until(institution, lambda: task.count() == 1)
    task.click()
    institution.click("#decision-form button[value=confirm]")
    expect(institution.locator(".flash")).to_contain_text("已确认")

    # 3. The commission approves once routing has put it in its queue.
    log_in(commission, f"{portal_url}/login", f"br-nc-{tag}")
    item = commission.locator(f"a[href$='/commission/queue/{application_id}']")
    reload_until(commission, lambda: item.count() == 1)
    item.click()
    commission.click("#decision-form button[value=approve]")
    expect(commission.locator(".flash")).to_contain_text("已批准")

    # 4. The nurse sees 已公示 and, on her record, the new validity and the renewal in its history.
    applicant.goto(f"{portal_url}/me/applications/{application_id}")
    reload_until(applicant, lambda: "已公示" in applicant.locator(".status-line").inner_text())
    applicant.goto(f"{portal_url}/me/registration")
    expect(applicant.locator("#nurse-valid-until")).to_have_text(renewed_until(until).isoformat())
    expect(applicant.locator("main")).to_contain_text("护士延续注册")
    applicant.screenshot(path="/tmp/medreg-phone-nurse-renewal.png", full_page=True)
