"""Institution fields in Chromium: with JavaScript the choices follow what is typed (static/institution-picker.js over
the public search), without a round trip, within the field's scope; without JavaScript, Enter or 查找 brings the form
back with the institutions found and everything typed kept."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from playwright.sync_api import expect

from tests import factories, public_records
from tests.browser.support import PHONE, log_in
from tests.journeys import PASSWORD, staff_account


def published(db, institution, status: str = "operating") -> None:
    """The institution's public record, as the publisher would have stored it (the type-ahead reads the public search)."""
    record = public_records.institution_record(institution.division_code, institution.id, institution.id, status)
    public_records.store(db, [{**record, "name": institution.name}])


def test_signup_on_a_phone_finds_the_institution_as_it_is_typed(portal_url, browser, db):
    tag = uuid.uuid4().hex[:6]
    inst = factories.institution(db, name=f"输入联想{tag}第一医院")
    closed = factories.institution(db, name=f"输入联想{tag}第二医院", status="cancelled")
    db.commit()
    published(db, inst)
    published(db, closed, "cancelled")

    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    page.goto(f"{portal_url}/signup")
    expect(page.locator("#f-institution_id option")).to_have_count(1)  # nothing but 请先查找机构
    birth = date(1991, 4, 5)
    page.select_option("#f-profession", "physician")
    page.fill("#f-name", "联想医生")
    page.select_option("#f-sex", "男")
    page.fill("#f-birth_date", birth.isoformat())
    page.fill("#f-id_number", factories.resident_id(birth))
    page.fill("#f-mobile", factories.unique_mobile())
    page.fill("#f-password", PASSWORD)
    page.locator("#f-institution_id-find").press_sequentially(f"联想{tag}", delay=20)
    choice = page.locator(f"#f-institution_id option[value='{inst.id}']")
    expect(choice).to_have_count(1)
    expect(page.locator(f"#f-institution_id option[value='{closed.id}']")).to_have_count(0)  # not operating: not offered
    expect(page.locator("#f-institution_id-status")).to_contain_text("找到 1 家")
    page.locator("#f-institution_id-find").press("Enter")  # looks up again, never submits
    expect(page.locator("#f-password")).to_have_value(PASSWORD)  # no round trip: the password is still there
    page.select_option("#f-institution_id", str(inst.id))
    # Enter in another field (a phone keyboard's 前往) submits the form: 查找 is the form's first submit button, so it
    # looked up instead, and the page came back with nothing submitted and nothing said.
    page.locator("#f-mobile").press("Enter")
    expect(page.locator(".flash")).to_contain_text("注册申请已受理")


def chaoyang_counter(db, word: str) -> tuple[Any, Any, str, str]:
    """An institution named `word`… in 朝阳 (the counter's jurisdiction) and one in 海淀, and a 朝阳 clerk: (inside,
    outside, the clerk's username, the tagged word both names start with)."""
    tag = uuid.uuid4().hex[:6]
    inside = factories.institution(db, name=f"{word}{tag}朝阳医院", division="110105")
    outside = factories.institution(db, name=f"{word}{tag}海淀医院", division="110108")
    staff_account(db, "commission", f"br-{tag}", division="110105")
    db.commit()
    return inside, outside, f"br-{tag}", f"{word}{tag}"


def test_the_counter_without_javascript_looks_up_within_its_jurisdiction_and_keeps_the_form(portal_url, browser, db):
    inside, outside, clerk, tagged = chaoyang_counter(db, "窗口查找")

    page = browser.new_context(locale="zh-CN", java_script_enabled=False).new_page()
    log_in(page, f"{portal_url}/commission/counter?kind=physician.hmt_short_term_practice", clerk)
    page.fill("#f-name", "陈港医")
    page.fill("#f-licence_no", "HK12345")
    page.fill("#f-institution_id-find", tagged)
    page.locator("#f-institution_id-find").press("Enter")  # the form's first button: 查找, not the entry
    expect(page.locator("#f-institution_id-status")).to_contain_text("找到 1 家")
    expect(page.locator("#f-institution_id")).to_have_value(str(inside.id))
    expect(page.locator(f"#f-institution_id option[value='{outside.id}']")).to_have_count(0)
    expect(page.locator("#f-name")).to_have_value("陈港医")
    expect(page.locator("#f-licence_no")).to_have_value("HK12345")
    expect(page.locator(".alert")).to_have_count(0)  # nothing was entered


def test_the_counter_type_ahead_offers_only_the_jurisdiction(portal_url, browser, db):
    inside, outside, clerk, tagged = chaoyang_counter(db, "辖区联想")
    published(db, inside)
    published(db, outside)

    page = browser.new_context(locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/commission/counter?kind=nurse.pre2008_first_registration", clerk)
    page.locator("#f-institution_id-find").press_sequentially(tagged[2:], delay=20)  # a part of the name
    expect(page.locator(f"#f-institution_id option[value='{inside.id}']")).to_have_count(1)
    expect(page.locator("#f-institution_id-status")).to_contain_text("找到 1 家")
    expect(page.locator(f"#f-institution_id option[value='{outside.id}']")).to_have_count(0)
