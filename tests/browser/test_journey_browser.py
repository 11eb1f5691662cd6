"""The physician's first registration, driven through the pages in Debian's Chromium: sign-up on a phone,
activation by the institution, application, confirmation, approval, and the public record at the end."""
from __future__ import annotations

import re
import uuid
from datetime import date

from playwright.sync_api import expect

from tests import factories
from tests.browser.support import PHONE, log_in, reload_until
from tests.journeys import PASSWORD, staff_account


def test_first_registration_through_the_pages(portal_url, browser, db, settings, workers):
    tag = uuid.uuid4().hex[:6]
    inst = factories.institution(db, name=f"浏览器测试医院{tag}")
    staff_account(db, "institution", f"br-inst-{tag}", institution_id=inst.id)
    staff_account(db, "commission", f"br-com-{tag}", division="110105")
    name, birth = f"李{tag[:2]}医生".translate(str.maketrans("0123456789abcdef", "零一二三四五六七八九甲乙丙丁戊己")), date(1987, 6, 12)
    id_number, mobile = factories.resident_id(birth, sex="女"), factories.unique_mobile()
    certificate_no = factories.qualification(db, settings, name, id_number)
    db.commit()

    applicant = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    institution = browser.new_context(locale="zh-CN").new_page()
    commission = browser.new_context(locale="zh-CN").new_page()

    # 1. Real-name sign-up on a phone: the institution found by part of its name (查找), then everything else.
    applicant.goto(f"{portal_url}/signup")
    applicant.fill("#f-institution_id-find", f"测试医院{tag}")
    applicant.click("#signup-form button[name=lookup]")
    expect(applicant.locator("#f-institution_id")).to_have_value(str(inst.id))
    applicant.select_option("#f-profession", "physician")
    applicant.fill("#f-name", name)
    applicant.select_option("#f-sex", "女")
    applicant.fill("#f-birth_date", birth.isoformat())
    applicant.select_option("#f-id_type", "resident_id")
    applicant.fill("#f-id_number", id_number)
    applicant.fill("#f-mobile", mobile)
    applicant.fill("#f-password", PASSWORD)
    applicant.click("#signup-form button[type=submit]:not([name=lookup])")
    expect(applicant.locator(".flash")).to_contain_text("注册申请已受理")  # the same words whether or not the ID number was taken
    assert applicant.url.endswith("/activate")

    # 2. The institution issues the activation code; the page shows it.
    log_in(institution, f"{portal_url}/institution", f"br-inst-{tag}")
    row = institution.locator("tr", has_text=name)
    row.locator("button", has_text="生成激活码").click()
    code = institution.locator("#issued-code .code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    institution.screenshot(path="/tmp/medreg-institution-code.png", full_page=True)

    # 3. The physician activates, logs in and applies.
    applicant.fill("#f-username", id_number)
    applicant.fill("#f-code", code)
    applicant.click("#activate-form button[type=submit]")
    expect(applicant.locator(".flash")).to_contain_text("账号已激活")
    log_in(applicant, f"{portal_url}/login", mobile)
    expect(applicant).to_have_url(f"{portal_url}/me")
    applicant.click("text=首次注册申请 >> nth=-1")
    applicant.fill("#f-certificate_no", certificate_no)
    applicant.select_option("#f-practice_category", "临床")
    applicant.select_option("#f-practice_scope", ["内科专业"])
    expect(applicant.locator("#f-institution_id")).to_have_value(str(inst.id))
    applicant.click("#apply-form button[type=submit]:not([name=lookup])")
    expect(applicant.locator(".flash")).to_contain_text("申请已提交")
    application_id = int(applicant.url.rstrip("/").rsplit("/", 1)[1])
    applicant.screenshot(path="/tmp/medreg-phone-application.png", full_page=True)

    # 4. The institution confirms once verification has put it on its list.
    task = institution.locator(f"a[href$='/institution/tasks/{application_id}']")
    reload_until(institution, lambda: task.count() == 1)
    task.click()
    expect(institution.locator(".history")).to_contain_text("提交申请")
    institution.click("#decision-form button[value=confirm]")
    expect(institution.locator(".flash")).to_contain_text("已确认")

    # 5. The commission approves once routing has put it in its queue.
    log_in(commission, f"{portal_url}/commission", f"br-com-{tag}")
    item = commission.locator(f"a[href$='/commission/queue/{application_id}']")
    reload_until(commission, lambda: item.count() == 1)
    item.click()
    expect(commission.locator(".facts").first).to_contain_text(name)
    expect(commission.locator(".history")).to_contain_text("机构确认")
    commission.click("#decision-form button[value=approve]")
    expect(commission.locator(".flash")).to_contain_text("已批准")

    # 6. The physician sees 已公示 and the identifier.
    applicant.goto(f"{portal_url}/me/applications/{application_id}")
    reload_until(applicant, lambda: "已公示" in applicant.locator(".status-line").inner_text())
    identifier = applicant.locator(".identifier strong").inner_text().strip()
    assert re.fullmatch(r"D110105\d{4}\d{7}[0-9A-Z*]", identifier), identifier
    applicant.goto(f"{portal_url}/me/registration")
    expect(applicant.locator("dl.facts")).to_contain_text(identifier)
    applicant.screenshot(path="/tmp/medreg-phone-registration.png", full_page=True)

    # 7. Anyone finds the record in the public search, and its page shows it (without the ID number).
    public = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN").new_page()
    public.goto(f"{portal_url}/public")
    public.select_option("#f-kind", "physicians")
    public.fill("#f-name", name)
    public.fill("#f-institution", inst.name)
    public.click("form.search button[type=submit]")
    public.click(f"table.results a:has-text('{name}')")
    expect(public).to_have_url(f"{portal_url}/public/records/{identifier}")
    expect(public.locator("main")).to_contain_text(identifier)
    expect(public.locator("main")).to_contain_text(inst.name)
    assert id_number not in public.content() and mobile not in public.content()
    public.screenshot(path="/tmp/medreg-phone-public-record.png", full_page=True)


def test_a_form_posted_without_its_csrf_token_is_refused(portal_url, browser, db):
    tag = uuid.uuid4().hex[:6]
    staff_account(db, "commission", f"br-csrf-{tag}", division="110105")
    db.commit()
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{portal_url}/login")
    page.fill("#f-username", f"br-csrf-{tag}")
    page.fill("#f-password", PASSWORD)
    page.evaluate("document.querySelector('#login-form input[name=csrf_token]').remove()")
    with page.expect_response(f"{portal_url}/login") as answer:
        page.click("#login-form button[type=submit]")
    assert answer.value.status == 400
    expect(page.locator(".alert")).to_contain_text("页面已过期")
    page.goto(f"{portal_url}/commission")
    expect(page.locator("#login-form")).to_be_visible()  # not logged in
