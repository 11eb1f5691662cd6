"""The commission's audit log on a 390 px phone: the table folds into cards with Chinese labels, and nothing (a file
digest, a callback address, a long user name) pushes the page wider than the screen."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from models.audit import audit
from tests import commission_world as cw
from tests import factories
from tests.browser.support import PHONE, log_in

LABELS = ("编号", "时间", "操作者", "操作", "对象", "行政区划", "详情", "入链")


@pytest.fixture(scope="module")
def audited(wsgi_app, settings):
    """A commission desk of a division of its own, with several entries of the kinds that carry the longest values."""
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    factories.division(session, "650000", "新疆维吾尔自治区", None)
    division = "650102"
    factories.division(session, division, "天山区", "650000")
    desk = cw.commission(TestApp(wsgi_app), session, division)
    actor = f"account:{desk.account_id}"
    audit(session, actor, "attachment_upload", "application:987654", division, application_id=987654,
          material="id_document", sha256="ab" * 32, size=123456)
    audit(session, actor, "institution_webhook", "institution:123456", division,
          url="https://hooks.example.org/medreg/callbacks/" + "x" * 80 + "?token=" + "y" * 40)
    audit(session, actor, "create_staff_account", f"account:{desk.account_id}", division,
          username="a-very-long-staff-user-name-" + uuid.uuid4().hex, admin=False)
    for number in range(5):
        audit(session, actor, "reset_password", f"account:{desk.account_id}", division, username=desk.username,
              sent_to="138****000" + str(number))
    session.commit()
    session.close()
    return desk


def test_the_audit_log_fits_a_phone(portal_url, browser, audited):
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/commission/audit", audited.username)
    page.goto(f"{portal_url}/commission/audit")
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 8  # ours, and the desk's own logins
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for index in range(rows.count()):
        box = rows.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The column heads are hidden on a phone; each cell says what it is in Chinese.
    first = rows.first
    for label in LABELS:
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        shown = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert shown == f'"{label}"'
    expect(page.locator("table.audit")).to_contain_text("文件摘要")


def test_every_item_of_the_commission_menu_is_in_sight_on_a_phone(portal_url, browser, audited):
    """Ten menu items do not fit one line of 390 px: they wrap, whole words each, instead of hiding off-screen."""
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/commission/counter", audited.username)
    page.goto(f"{portal_url}/commission/counter")
    items = page.locator("nav.subnav a")
    assert items.count() >= 10
    for index in range(items.count()):
        box = items.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], items.nth(index).text_content()
        assert box["height"] < 2 * 24, items.nth(index).text_content()  # one line of text each
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
