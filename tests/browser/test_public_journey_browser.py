"""The public end in Debian's Chromium on a phone: search the register, open a record and its history,
download the electronic licence, and check a scanned licence payload."""
from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from tests import public_records
from tests.browser.support import PHONE

DIVISION = "650801"


@pytest.fixture(scope="module")
def records(settings):
    place = [{"id": 21, "name": "喀什浏览器测试医院", "identifier": None}]
    active = public_records.person_record("physician", DIVISION, 10, place, status="registered")
    namesake = {**public_records.person_record("physician", DIVISION, 11, place, status="cancelled"), "name": active["name"]}
    return public_records.store_in(settings, [active, namesake])


def test_public_search_record_and_licence_check_on_a_phone(portal_url, browser, records):
    active, cancelled = records
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()

    page.goto(f"{portal_url}/public")
    page.select_option("#f-kind", "physicians")
    page.fill("#f-name", active["name"])
    page.fill("#f-division", DIVISION)
    page.click("form.search button[type=submit]")
    row = page.locator("table.results tbody tr", has_text=active["identifier"])
    expect(row).to_contain_text("注册")
    expect(page.locator("table.results tbody tr", has_text=cancelled["identifier"])).to_contain_text("注销")
    page.screenshot(path="/tmp/medreg-public-search.png", full_page=True)
    row.locator("a").click()

    expect(page.locator("h1")).to_have_text(active["name"])
    expect(page.locator("#record-status")).to_have_text("注册")
    expect(page.locator("#status-history tbody tr")).to_have_count(1)
    expect(page.locator("#licence-links a")).to_have_count(3)
    pdf_link = page.locator("#licence-links a", has_text="PDF").get_attribute("href")
    with urllib.request.urlopen(pdf_link if pdf_link.startswith("http") else portal_url + pdf_link, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        payload = response.headers["X-Medreg-Licence-Payload"]

    # A scanner app gives the QR code's text; the citizen pastes it into the check page.
    page.goto(f"{portal_url}/public/verify-licence")
    page.fill("#f-payload", payload)
    page.click("#verify-form button[type=submit]")
    expect(page.locator("#verdict")).to_contain_text("有效：签名有效，记录当前有效")
    expect(page.locator("#current-status")).to_contain_text("注册")
    page.screenshot(path="/tmp/medreg-licence-check.png", full_page=True)

    prefix, body, signature = payload.split(".")
    # Change one character in the middle (the last ones carry padding bits: "AA" there can leave the bytes as they were).
    changed = signature[:20] + ("B" if signature[20] == "A" else "A") + signature[21:]
    page.fill("#f-payload", f"{prefix}.{body}.{changed}")
    page.click("#verify-form button[type=submit]")
    expect(page.locator("#verdict")).to_contain_text("签名无效")
    page.fill("#f-payload", "这不是证照")
    page.click("#verify-form button[type=submit]")
    expect(page.locator("#payload-error")).to_contain_text("不是电子证照二维码内容")

    page.goto(f"{portal_url}/public/records/{cancelled['identifier']}")
    expect(page.locator("#inactive-notice")).to_contain_text("注销")
    expect(page.locator("#licence-links")).to_have_count(0)
