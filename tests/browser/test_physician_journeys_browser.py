"""Physician business driven through the pages in Debian's Chromium: a change of institution (physician applies on a
phone, the new institution confirms, its commission approves) and a departure filing (the institution files, the
commission approves, the physician sees the record filed)."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from pipeline import clock
from tests import factories
from tests.browser.support import PHONE, log_in, reload_until
from tests.journeys import person_account, staff_account


def registered(db, settings, institution) -> dict:
    person = person_account(db, settings, institution.id)
    item = factories.application(db, person["person_id"], person["account_id"], institution.id, person["certificate_no"],
                                 "approved", commission_code=institution.registered_by)
    factories.issued(db, item)
    item.status = "published"
    person["identifier"] = item.identifier
    return person


def approve_in_commission(page, url: str, username: str, application_id: int) -> None:
    log_in(page, f"{url}/commission", username)
    item = page.locator(f"a[href$='/commission/queue/{application_id}']").first
    reload_until(page, lambda: item.count() >= 1)
    item.click()
    page.click("#decision-form button[value=approve]")
    expect(page.locator(".flash")).to_contain_text("已批准")


def test_change_of_institution_through_the_pages(portal_url, browser, db, settings, workers):
    tag = uuid.uuid4().hex[:6]
    old = factories.institution(db, name=f"变更前医院{tag}")
    new = factories.institution(db, name=f"变更后医院{tag}", division="110108")
    staff_account(db, "institution", f"chg-new-{tag}", institution_id=new.id)
    staff_account(db, "commission", f"chg-com-{tag}", division="110108")
    person = registered(db, settings, old)
    db.commit()

    applicant = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    log_in(applicant, f"{portal_url}/login", person["mobile"])
    applicant.click("nav.subnav >> text=医师注册业务")
    applicant.click("text=医师变更注册")
    applicant.select_option("#f-practice_category", "临床")
    applicant.select_option("#f-practice_scope", ["外科专业"])
    applicant.fill("#f-institution_id-find", new.name)
    applicant.click("#business-form button[name=lookup]")  # the form comes back with it chosen, the rest as chosen
    expect(applicant.locator("#f-institution_id")).to_have_value(str(new.id))
    expect(applicant.locator("#f-practice_category")).to_have_value("临床")
    applicant.click("#business-form button[type=submit]:not([name=lookup])")
    expect(applicant.locator(".flash")).to_contain_text("医师变更注册申请已提交")
    application_id = int(applicant.url.rstrip("/").rsplit("/", 1)[1])

    institution = browser.new_context(locale="zh-CN").new_page()
    log_in(institution, f"{portal_url}/institution", f"chg-new-{tag}")
    task = institution.locator(f"a[href$='/institution/tasks/{application_id}']")
    reload_until(institution, lambda: task.count() == 1)
    task.click()
    institution.click("#decision-form button[value=confirm]")
    expect(institution.locator(".flash")).to_contain_text("已确认")

    approve_in_commission(browser.new_context(locale="zh-CN").new_page(), portal_url, f"chg-com-{tag}", application_id)

    applicant.goto(f"{portal_url}/me/applications/{application_id}")
    reload_until(applicant, lambda: "已公示" in applicant.locator(".status-line").inner_text())
    applicant.goto(f"{portal_url}/me/registration")
    facts = applicant.locator("dl.facts")
    expect(facts).to_contain_text(new.name)
    expect(facts).to_contain_text(person["identifier"])
    expect(applicant.locator("#practices tr.ended")).to_contain_text(old.name)
    expect(applicant.locator("#register-history")).to_contain_text("医师变更注册")
    applicant.screenshot(path="/tmp/medreg-phone-change-of-institution.png", full_page=True)


def test_departure_filing_through_the_pages(portal_url, browser, db, settings, workers):
    tag = uuid.uuid4().hex[:6]
    home = factories.institution(db, name=f"备案医院{tag}")
    staff_account(db, "institution", f"dep-inst-{tag}", institution_id=home.id)
    staff_account(db, "commission", f"dep-com-{tag}", division="110105")
    person = registered(db, settings, home)
    db.commit()

    institution = browser.new_context(locale="zh-CN").new_page()
    log_in(institution, f"{portal_url}/institution", f"dep-inst-{tag}")
    institution.click("nav.subnav >> text=医师注册备案")
    # Bad input first: the page says which field, and nothing is filed.
    institution.click("#staff-business-form button[type=submit]")
    expect(institution.locator("#f-reason ~ .field-error, .field-error").first).to_be_visible()
    institution.select_option("#f-identifier", person["identifier"])
    institution.select_option("#f-reason", "retirement")
    institution.fill("#f-left_on", clock.today().isoformat())
    institution.click("#staff-business-form button[type=submit]")
    expect(institution.locator(".flash")).to_contain_text("医师注册备案申请")
    application_id = int(institution.locator(".flash").inner_text().split("#", 1)[1].split("）", 1)[0])

    approve_in_commission(browser.new_context(locale="zh-CN").new_page(), portal_url, f"dep-com-{tag}", application_id)

    applicant = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN").new_page()
    log_in(applicant, f"{portal_url}/login", person["mobile"])
    applicant.goto(f"{portal_url}/me/registration")
    reload_until(applicant, lambda: "备案（非在册）" in applicant.locator("dl.facts").inner_text())
    expect(applicant.locator("dl.facts")).to_contain_text("退休")
    expect(applicant.locator("#register-history")).to_contain_text("医师注册备案")
    applicant.screenshot(path="/tmp/medreg-phone-departure-filing.png", full_page=True)
