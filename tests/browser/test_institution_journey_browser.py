"""The institution end in Debian's Chromium: the commission enters a set-up approval and hands out the account,
the institution's first login sets a new password, applies for practice registration (pre-filled), is
approved and published, then suspends — and the public record says so."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.support import log_in, reload_until
from tests.institution_steps import NEW_PASSWORD, credentials_from_sms, sms_to, valid_uscc
from tests.journeys import staff_account, wait_for


def approve(commission: Page, url: str, application_id: int) -> None:
    item = commission.locator(f"a[href$='/commission/queue/{application_id}']")
    commission.goto(f"{url}/commission")
    reload_until(commission, lambda: item.count() == 1)
    item.click()
    commission.click("#decision-form button[value=approve]")
    expect(commission.locator(".flash")).to_contain_text("已批准")


def test_hand_out_first_login_practice_registration_and_suspension(portal_url, browser, db, settings, workers):
    tag = uuid.uuid4().hex[:6]
    factories.divisions(db)
    staff_account(db, "commission", f"br-handout-{tag}", division="110105")
    db.commit()
    commission = browser.new_context(locale="zh-CN").new_page()
    institution = browser.new_context(locale="zh-CN").new_page()
    name, mobile = f"浏览器分发医院{tag}", factories.unique_mobile()

    # 1. The commission enters the set-up approval; the credentials go by SMS only.
    log_in(commission, f"{portal_url}/commission/institutions/new", f"br-handout-{tag}")
    commission.fill("#f-name", name)
    commission.select_option("#f-type", "综合医院")
    commission.fill("#f-division_code", "110105")
    commission.fill("#f-address", "北京市朝阳区浏览器路1号")
    commission.select_option("#f-departments", ["内科", "儿科"])
    commission.fill("#f-beds", "80")
    commission.fill("#f-legal_rep", "周法人")
    commission.fill("#f-principal", "吴院长")
    commission.fill("#f-mobile", mobile)
    commission.fill("#f-approval_no", f"京卫设〔2026〕{tag}号")
    commission.click("#setup-form button[type=submit]")
    expect(commission.locator(".flash")).to_contain_text("已短信发送")
    username, one_time = credentials_from_sms(wait_for(lambda: next(iter(sms_to(settings, mobile)), None)))
    assert one_time not in commission.content()

    # 2. First login: every page leads to the password form until a new password is set.
    log_in_with(institution, f"{portal_url}/institution", username, one_time)
    expect(institution).to_have_url(re.compile(r"/password$"))
    expect(institution.locator(".alert")).to_contain_text("初始密码")
    institution.fill("#f-old_password", one_time)
    institution.fill("#f-new_password", NEW_PASSWORD)
    institution.fill("#f-new_password_confirm", NEW_PASSWORD[:-1] + "x")
    institution.click("#password-form button[type=submit]")
    expect(institution.locator("#f-new_password_confirm + .field-error, #f-new_password_confirm ~ .field-error")).to_contain_text(
        "两次输入的新密码不一致")
    institution.fill("#f-old_password", one_time)
    institution.fill("#f-new_password", NEW_PASSWORD)
    institution.fill("#f-new_password_confirm", NEW_PASSWORD)
    institution.click("#password-form button[type=submit]")
    expect(institution.locator(".flash")).to_contain_text("密码已修改")
    expect(institution).to_have_url(f"{portal_url}/institution")

    # 3. Practice registration, pre-filled from the set-up approval.
    institution.goto(f"{portal_url}/institution/business")
    form = institution.locator("#form-institution-practice_registration")
    expect(institution.locator("dl.facts").first).to_contain_text("周法人")
    form.locator("input[name=uscc]").fill(valid_uscc())
    form.locator("button[type=submit]").click()
    expect(institution.locator(".flash")).to_contain_text("申请已提交")
    registration_id = int(institution.url.rstrip("/").rsplit("/", 1)[1])
    approve(commission, portal_url, registration_id)
    reload_until(institution, lambda: "已公示" in institution.locator(".status-line").inner_text())
    institution.goto(f"{portal_url}/institution/business")
    expect(institution.locator("#institution-status")).to_have_text("执业中")
    identifier = institution.locator(".identifier strong").inner_text().strip()
    assert re.fullmatch(r"H110105\d{11}[0-9A-Z]", identifier), identifier
    institution.screenshot(path="/tmp/medreg-institution-business.png", full_page=True)

    # 4. Suspension: approved, then the public record says 已停业 / suspended.
    form = institution.locator("#form-institution-suspension")
    form.locator("input[name=reason]").fill("院区改造")
    form.locator("button[type=submit]").click()
    # Suspending asks first: unticked, the box says why beside it and the reason typed stays.
    form = institution.locator("#form-institution-suspension")
    expect(form.locator(".field.confirm .field-error")).to_have_text("请勾选确认后再提交")
    expect(form.locator("input[name=reason]")).to_have_value("院区改造")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    expect(institution.locator(".flash")).to_contain_text("申请已提交")
    suspension_id = int(institution.url.rstrip("/").rsplit("/", 1)[1])
    approve(commission, portal_url, suspension_id)
    reload_until(institution, lambda: "已公示" in institution.locator(".status-line").inner_text())
    institution.goto(f"{portal_url}/institution/business")
    expect(institution.locator("#institution-status")).to_have_text("已停业")
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{portal_url}/public/records/{identifier}")
    expect(public.locator("main")).to_contain_text(name)
    wait_for(lambda: public.request.get(f"{portal_url}/api/v1/public/records/{identifier}").json()["status"] == "suspended")


def log_in_with(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("#login-form button[type=submit]")
