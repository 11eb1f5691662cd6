"""The commission end's pages over WebTest: each renders for a commission and no one else, shows the
workbench's markers, takes batch decisions, creates staff accounts, finds, charts and exports, and lists the audit log."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from webtest import TestApp

from models import Application
from tests import commission_world as cw
from tests.journeys import page_session

PAGES = ["/commission", "/commission/accounts", "/commission/search?q=%E6%B5%8B", "/commission/stats",
         "/commission/stats?group_by=month", "/commission/audit", "/commission/export?report=registers&format=csv",
         "/commission/registers/export?register=institutions&format=csv"]


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "64")
    county = world.institutions["county"].id
    world.items = [cw.pending_since(session, world.person["account_id"], county, "nurse.change", world.codes["county"],
                                    cw.working_days_ago(days), person_id=world.person["person_id"]).id for days in (9, 6)]
    session.commit()
    yield world
    session.close()


def test_every_commission_page_renders_for_a_commission_and_for_no_one_else(wsgi_app, world):
    commission = page_session(wsgi_app, world.desks["county"].username)
    for path in PAGES:
        assert commission.get(path).status_int == 200, path
    anonymous = page_session(wsgi_app, None)
    institution = page_session(wsgi_app, world.institution_desk.username)
    person = page_session(wsgi_app, world.person["mobile"])
    for path in PAGES:
        assert anonymous.get(path, expect_errors=True).status_int == 302, path
        assert institution.get(path, expect_errors=True).status_int == 403, path
        assert person.get(path, expect_errors=True).status_int == 403, path


def test_the_workbench_marks_items_and_refuses_a_bad_filter_by_name(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["county"].username)
    page = app.get("/commission", params={"kind": "nurse.change"})
    overdue, due_soon = (page.html.select_one(f"#item-{i}") for i in world.items)
    assert "已超时限" in overdue.text and "row-overdue" in overdue["class"]
    assert "临近时限" in due_soon.text and "剩1个工作日" in due_soon.text
    refused = app.get("/commission", params={"waiting_min": "x"}, status=400)
    assert "waiting_min" in refused.text


def test_a_batch_from_the_workbench_needs_a_comment_to_return_and_then_returns_each(wsgi_app, world, db):
    app = page_session(wsgi_app, world.desks["county"].username)
    form = app.get("/commission", params={"kind": "nurse.change"}).forms["batch-form"]
    for box in form.fields["ids"]:
        box.checked = True
    refused = form.submit("decision", value="return", status=400)
    assert "退回时必须填写原因" in refused.text
    assert {db.get(Application, i).status for i in world.items} == {"pending_approval"}
    form["comment"] = "请补充材料"
    done = form.submit("decision", value="return").follow()
    assert "已退回修改 2 件" in done.text
    db.expire_all()
    assert {db.get(Application, i).status for i in world.items} == {"returned"}


def test_an_administrator_creates_staff_through_the_page(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["admin"].username)
    form = app.get("/commission/accounts").forms["staff-form"]
    form["username"], form["password"], form["division"] = f"page-{world.tag}", "Staffpass-1", world.codes["county"]
    assert "已创建工作人员账号" in form.submit().follow().text
    form = app.get("/commission/accounts").forms["staff-form"]
    form["username"], form["password"] = f"page2-{world.tag}", "short"
    assert "password-error" in form.submit(status=400).text
    assert "staff-form" not in page_session(wsgi_app, world.desks["city"].username).get("/commission/accounts").text


def test_the_statistics_page_draws_charts_and_exports(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["city"].username)
    page = app.get("/commission/stats", params={"group_by": "kind"})
    assert len(page.html.select("svg.chart")) == 4 and "护士变更注册" in page.html.select_one("#stats-applications svg").text
    assert "http" not in "".join(str(svg) for svg in page.html.select("svg.chart")).replace("http://www.w3.org/2000/svg", "")
    exported = app.get(page.html.select_one("#export-applications-csv")["href"])
    rows = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert rows[0] == ["业务类型", "申请数"] and ["护士变更注册", "2"] in rows
    # The file says what the page's table says, in Chinese: no kind or status code in any cell, in either format.
    for group in ("kind", "status"):
        table = [[td.text for td in row.select("td")]
                 for row in app.get("/commission/stats", params={"group_by": group}).html.select("#stats-applications tbody tr")]
        csv_rows = list(csv.reader(io.StringIO(app.get("/commission/export", params={
            "report": "applications", "group_by": group, "format": "csv"}).body.decode("utf-8-sig"))))
        sheet = load_workbook(io.BytesIO(app.get("/commission/export", params={
            "report": "applications", "group_by": group, "format": "xlsx"}).body)).active
        xlsx_rows = [[str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        assert csv_rows == xlsx_rows and csv_rows[1:-1] == table and csv_rows[-1][0] == "合计", group
        assert not [cell for row in csv_rows for cell in row if re.search(r"[a-z_]{3,}", cell)], group
    assert app.get("/commission/export", params={"report": "x"}, status=400)


def test_the_audit_page_lists_and_filters(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["county"].username)
    page = app.get("/commission/audit", params={"action": "commission_return"})
    actions = {td.text for td in page.html.select("table.audit td[data-label='操作']")}
    assert actions == {"退回修改"} and page.html.select_one("#f-action option[selected]").text == "退回修改"
    assert app.get("/commission/audit", params={"since": "x"}, status=400)


@pytest.mark.parametrize("path", ["/commission", "/commission/audit"])
def test_a_long_list_says_more_than_the_cap_and_links_the_next_page_by_cursor(wsgi_app, world, monkeypatch, path):
    from portal.services import audit_log, paging

    monkeypatch.setattr(paging, "COUNT_CAP", 1)
    monkeypatch.setattr(audit_log, "PER_PAGE", 1)
    app = page_session(wsgi_app, world.desks["county"].username)
    params = {"per_page": "1", "status": "all"} if path == "/commission" else {}
    first = app.get(path, params=params)
    assert "共 1 件以上" in first.text or "共 1 条以上" in first.text
    pager = first.html.select_one("p.pager")
    assert "第 1 页" in pager.text and "/" not in pager.text.replace("上一页", "")
    following = pager.find("a", string="下一页")["href"]
    assert "cursor=" in following and "page=2" in following
    second = app.get(following)
    assert "第 2 页" in second.html.select_one("p.pager").text
    rows = "table tbody tr"
    assert first.html.select(rows)[0].text != second.html.select(rows)[0].text
    assert second.html.select_one("p.pager").find("a", string="上一页") is not None


def test_the_staff_accounts_page_through_their_own_pager_to_the_end(wsgi_app, world, api, monkeypatch):
    from portal.pages import commission_admin

    monkeypatch.setattr(commission_admin, "ACCOUNTS_A_PAGE", 1)
    whole = [item["id"] for item in api.get("/api/v1/commission/accounts", params={"role": "commission"},
                                            headers=world.desks["admin"].headers).json["items"]]
    app = page_session(wsgi_app, world.desks["admin"].username)
    page, seen = app.get("/commission/accounts"), []
    while True:
        staff = page.html.select("section.panel")[2]
        assert "本级及下级工作人员账号" in staff.h2.text
        seen += [int(row.td.text.lstrip("#")) for row in staff.select("tbody tr")]
        following = staff.select_one("p.pager") and staff.select_one("p.pager").find("a", string="下一页")
        if not following:
            break
        assert "staff_cursor=" in following["href"] and "cursor=" not in following["href"].replace("staff_cursor=", "")
        page = app.get(following["href"])
        assert f"第 {len(seen) + 1} 页" in page.html.select("section.panel")[2].select_one("p.pager").text
    assert seen == whole and len(whole) >= 2


def test_the_staff_form_offers_every_commission_of_the_jurisdiction(wsgi_app, world, db):
    """Typed with suggestions, not a list cut at 500: the national commission has three thousand below it."""
    from sqlalchemy import select

    from models import Account, Commission
    from models.divisions import within
    from pipeline.routing import jurisdiction_prefix

    desk = world.desks["admin"]
    app = page_session(wsgi_app, desk.username)
    offered = [option["value"] for option in app.get("/commission/accounts").html.select("#f-division-list option")]
    prefix = jurisdiction_prefix(db.get(Account, desk.account_id).division_code)
    expected = db.scalars(select(Commission.division_code).where(*within(Commission.division_code, prefix))
                          .order_by(Commission.division_code)).all()
    assert offered == expected and len(offered) >= 2
