"""The institution's staff page 人员信息: every tab pages by cursor with 下一页 and back with 上一页 (the other staff
it keeps itself came all on one page, 67 cards in a row on a phone), and the API pages other staff the same way."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from webtest import TestApp

from models import OtherStaff
from portal.pages.institution_end import STAFF_A_PAGE
from tests.journeys import institution_desk, page_session

KEPT = 67


@pytest.fixture(scope="module")
def desk(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    desk = institution_desk(TestApp(wsgi_app), session)
    session.add_all(OtherStaff(institution_id=desk.id, name=f"后勤{n:02d}号", sex="女", post="保洁", title="", phone="")
                    for n in range(KEPT))
    session.commit()
    yield desk
    session.close()


def names(page) -> list[str]:
    return [td.text for td in page.html.select('table.cards td[data-label="姓名"]')]


def test_the_other_staff_tab_pages_by_cursor_and_back(wsgi_app, desk):
    app = page_session(wsgi_app, desk.username)
    first = app.get("/institution/staff", params={"profession": "other"})
    assert STAFF_A_PAGE < KEPT
    assert names(first) == [f"后勤{n:02d}号" for n in range(STAFF_A_PAGE)]
    assert f"（{KEPT}人）" in first.html.select_one("h1").text  # the count is over all, not the page
    second = first.click(description="下一页")
    assert names(second) == [f"后勤{n:02d}号" for n in range(STAFF_A_PAGE, KEPT)]
    assert "下一页" not in second.html.select_one(".pager").text and "第 2 页" in second.text
    back = second.click(description="上一页")
    assert names(back) == names(first) and "第 1 页" in back.text
    # The API pages them the same way, by the answer's `next`.
    api = TestApp(wsgi_app)
    headers = desk.headers
    answer = api.get("/api/v1/institution/staff", params={"profession": "other", "limit": 60}, headers=headers).json
    assert (len(answer["items"]), answer["count"]) == (60, KEPT) and answer["next"]
    rest = api.get("/api/v1/institution/staff", params={"profession": "other", "limit": 60, "cursor": answer["next"]},
                   headers=headers).json
    assert [i["name"] for i in answer["items"] + rest["items"]] == [f"后勤{n:02d}号" for n in range(KEPT)]
    assert rest["next"] is None
    assert api.get("/api/v1/institution/staff", params={"profession": "other", "cursor": "x"}, headers=headers,
                   status=400).json["error"]["fields"] == {"cursor": "无效的游标：请使用上一页返回的 next"}


def test_deleting_asks_first_and_a_refused_form_keeps_what_was_typed(wsgi_app, desk, db):
    app = page_session(wsgi_app, desk.username)
    form = app.get("/institution/staff", params={"profession": "other"}).forms["staff-form"]
    form["name"], form["sex"], form["post"], form["title"], form["phone"] = "试删者", "女", "药剂", "主管药师", "打电话"
    refused = form.submit(status=400)
    kept = refused.forms["staff-form"]
    assert (kept["name"].value, kept["sex"].value, kept["post"].value, kept["title"].value, kept["phone"].value) == (
        "试删者", "女", "药剂", "主管药师", "打电话")
    assert refused.html.select_one("#phone-error") is not None
    kept["phone"] = "010-12345678"
    kept.submit(status=302)
    row_id = db.scalar(select(OtherStaff.id).where(OtherStaff.institution_id == desk.id, OtherStaff.name == "试删者"))
    # The row's 删除 asks who and changes nothing; 确认删除 deletes; 取消 leads back.
    listing = app.get("/institution/staff", params={"profession": "other", "page": 2, "cursor": str(row_id - 1)})
    asked = next(f for f in listing.forms.values() if f.get("remove", default=None) is not None
                 and f["remove"].value == str(row_id)).submit()
    assert asked.status_int == 200 and "试删者（药剂，主管药师）" in asked.html.select_one("#confirm-remove").text
    assert db.scalar(select(OtherStaff.id).where(OtherStaff.id == row_id)) == row_id
    assert asked.click(description="取消").status_int == 200
    done = asked.forms["confirm-remove-form"].submit().follow()
    assert "已删除试删者" in done.text
    assert db.scalar(select(OtherStaff.id).where(OtherStaff.id == row_id)) is None


def test_the_physicians_previous_page_is_that_page_not_the_first(wsgi_app, desk, settings, monkeypatch):
    """上一页 carries no cursor: the physicians' list, paged by name, showed its first page whatever the number."""
    from models.db import session_factory
    from portal.pages import institution_end
    from tests import factories
    from tests.journeys import person_account

    session = session_factory(settings.database_url)()
    for name in ("甲医师", "乙医师", "丙医师"):
        person = person_account(session, settings, desk.id, name=f"{name}{desk.id}")
        item = factories.application(session, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                     "approved", commission_code="110105")
        factories.issued(session, item)
    session.commit()
    session.close()
    monkeypatch.setattr(institution_end, "STAFF_A_PAGE", 1)
    app = page_session(wsgi_app, desk.username)
    first = app.get("/institution/staff", params={"profession": "physician"})
    second = first.click(description="下一页")
    third = second.click(description="下一页")
    back = third.click(description="上一页")
    assert "第 2 页" in back.text and names(back) == names(second) != names(first)
    assert len({*names(first), *names(second), *names(third)}) == 3
