"""The commission end in Chromium: approving from the workbench, returning an item for correction, and viewing
and exporting the statistics."""
from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import commission_world as cw
from tests import journeys
from tests.browser.support import PHONE, log_in


def routed_application(api, db, settings, desk) -> tuple[dict, int]:
    """A physician's first registration, confirmed by the institution and routed to the commission."""
    person = journeys.active_physician(api, db, settings, desk)
    application_id = journeys.submit_first_registration(api, person, desk.id)["id"]
    journeys.wait_status(api, person["headers"], application_id, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{application_id}", {"decision": "confirm"}, headers=desk.headers)
    return person, application_id


@pytest.fixture(scope="module")
def commission_user(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    cw.tree(session, "54")
    desk = cw.commission(TestApp(wsgi_app), session, "110105")
    session.close()
    return desk


def test_approving_from_the_workbench(portal_url, browser, api, db, settings, workers, commission_user):
    desk = journeys.institution_desk(api, db, name=f"工作台批准医院{uuid.uuid4().hex[:6]}")
    person, application_id = routed_application(api, db, settings, desk)
    journeys.wait_routed(api, commission_user.headers, application_id)
    page = browser.new_context(locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/commission", commission_user.username)
    page.goto(f"{portal_url}/commission?sort=-id")
    row = page.locator(f"#item-{application_id}")
    expect(row).to_contain_text(person["name"])
    expect(row.locator(".marker")).to_have_text("正常")
    row.locator("input[name=ids]").check()
    page.click("#batch-form button[value=approve]")
    expect(page.locator(".flash").first).to_contain_text(f"已批准 1 件：#{application_id}")
    published = journeys.wait_status(api, person["headers"], application_id, "published", timeout=60)
    assert published["identifier"].startswith("D110105")


def test_returning_an_item_for_correction(portal_url, browser, api, db, settings, workers, commission_user):
    desk = journeys.institution_desk(api, db, name=f"退回修改医院{uuid.uuid4().hex[:6]}")
    person, application_id = routed_application(api, db, settings, desk)
    journeys.wait_routed(api, commission_user.headers, application_id)
    page = browser.new_context(locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/commission", commission_user.username)
    page.goto(f"{portal_url}/commission/queue/{application_id}")
    expect(page.locator("#deadline")).to_contain_text("时限 20 个工作日")
    expect(page.locator(".history")).to_contain_text("机构确认")
    page.click("#decision-form button[value=return]")
    expect(page.locator("#comment-error")).to_contain_text("必须填写原因")
    page.fill("#f-comment", "执业范围与机构诊疗科目不符，请修改")
    page.click("#decision-form button[value=return]")
    expect(page.locator(".flash")).to_contain_text("已退回申请人修改")
    answer = journeys.wait_status(api, person["headers"], application_id, "returned")
    assert answer["history"][-1]["comment"] == "执业范围与机构诊疗科目不符，请修改"


def test_viewing_and_exporting_the_statistics(portal_url, browser, wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "63")
    for days in (3, 12):
        cw.pending_since(session, world.person["account_id"], world.institutions["county"].id, "nurse.change",
                         world.codes["county"], cw.working_days_ago(days))
    session.commit()
    session.close()
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    log_in(page, f"{portal_url}/commission", world.desks["city"].username)
    page.click("nav.subnav >> text=统计分析")
    page.select_option("#f-group_by", "kind")
    page.click("#stats-form button[type=submit]")
    expect(page.locator("#stats-applications svg.chart")).to_contain_text("护士变更注册")
    expect(page.locator("#stats-processing svg.chart")).to_contain_text("卫健委审批")
    with page.expect_download() as download:
        page.click("#export-applications-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["业务类型", "申请数"] and ["护士变更注册", "2"] in rows
    with page.expect_download() as download:
        page.click("#export-registers-xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert download.value.suggested_filename == "注册人员与机构统计.xlsx"
    assert [cell.value for cell in sheet[1]] == ["行政区划代码", "行政区划", "机构类别", "注册医师数", "注册护士数", "登记机构数"]
    assert [cell.value for cell in sheet[sheet.max_row]] == ["合计", None, None, 0, 0, 2]
    # On a phone the charts stay readable — scrolled sideways in their own box, not shrunk to 5-pixel labels — and the
    # page itself does not scroll sideways.
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(phone, f"{portal_url}/commission/stats?group_by=kind", world.desks["city"].username)
    phone.goto(f"{portal_url}/commission/stats?group_by=kind")
    label = phone.locator("#stats-applications svg.chart g.bar text").first
    assert label.bounding_box()["height"] >= 15, label.bounding_box()  # 10 pixels shrunk, 18 in its box
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
