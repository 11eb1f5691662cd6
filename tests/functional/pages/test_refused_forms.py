"""A refused form over WebTest keeps what was typed, says in Chinese beside each refused box why, and changes nothing;
a list whose filter is refused lists nothing under the error rather than the unfiltered list."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from models import Account, AccountRequest, Application, ApplicationEvent, Institution, InstitutionEvent, InstitutionWebhook
from tests import commission_world as cw
from tests import factories
from tests import public_records as pr
from tests.journeys import institution_desk, page_session

# A province no other module builds in: another module's batch ticks every box of its county's queue.
PROVINCE = "45"


def beside(page, box_id: str) -> str:
    """The text of the field a box sits in: its label, the box, its hint and its reason."""
    box = page.html.select_one(f"#{box_id}")
    assert box is not None, box_id
    return box.parent.text


def refused(page, box_id: str) -> bool:
    box = page.html.select_one(f"#{box_id}")
    return "has-error" in (box.parent.get("class") or []) and box.get("aria-invalid") == "true"


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, PROVINCE)
    county = world.institutions["county"].id
    world.items = [cw.pending_since(session, world.person["account_id"], county, "nurse.change", world.codes["county"],
                                    cw.working_days_ago(days), person_id=world.person["person_id"]).id for days in (8, 3)]
    # Two institutions of the county whose names share a part no other institution has.
    world.twins = [factories.institution(session, name=f"{side}{world.tag}双子医院", division=world.codes["county"]).id
                   for side in ("东", "西")]
    session.commit()
    yield world
    session.close()


def queue_state(db, ids: list[int]) -> list[tuple[str, int]]:
    db.expire_all()
    return [(db.get(Application, i).status,
             db.scalar(select(func.count()).select_from(ApplicationEvent).where(ApplicationEvent.application_id == i)))
            for i in ids]


# --- the workbench /commission ------------------------------------------------------------------------------


@pytest.mark.parametrize(("box", "typed", "reason"), [
    ("waiting_min", "abc", "应为0至3650的整数"),
    ("division", "110105", "110105 不在本辖区内"),
    ("division", "12ab", "行政区划代码应为6位数字"),
])
def test_a_refused_workbench_filter_keeps_the_value_says_why_and_lists_nothing(wsgi_app, world, db, box, typed, reason):
    before = queue_state(db, world.items)
    app = page_session(wsgi_app, world.desks["county"].username)
    page = app.get("/commission", params={box: typed, "kind": "nurse.change"}, status=400)
    form = page.forms["filter-form"]
    assert form[box].value == typed and form["kind"].value == "nurse.change"
    assert reason in beside(page, f"f-{box}") and refused(page, f"f-{box}")
    assert "筛选条件有误" in page.html.select_one(".alert").text
    assert page.html.select_one("#filter-refused") is not None
    assert not page.html.select("tr[id^=item-]") and "batch-form" not in page.forms
    assert queue_state(db, world.items) == before


def test_both_refused_workbench_boxes_say_why_at_once(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["county"].username)
    page = app.get("/commission", params={"waiting_min": "abc", "division": "110105"}, status=400)
    assert page.forms["filter-form"]["waiting_min"].value == "abc" and page.forms["filter-form"]["division"].value == "110105"
    assert "应为0至3650的整数" in beside(page, "f-waiting_min") and "不在本辖区内" in beside(page, "f-division")


def test_the_institution_filter_takes_a_name_or_a_credit_code_and_names_the_commission(wsgi_app, world, db):
    institution = db.get(Institution, world.institutions["county"].id)
    app = page_session(wsgi_app, world.desks["county"].username)
    label = app.get("/commission").html.select_one("label[for=f-institution]").text
    assert "名称" in label and "统一社会信用代码" in label and "机构ID" in label
    by_name = app.get("/commission", params={"institution": institution.name, "kind": "nurse.change"})
    shown = {int(row["id"].removeprefix("item-")) for row in by_name.html.select("tr[id^=item-]")}
    assert set(world.items) <= shown
    assert by_name.forms["filter-form"]["institution"].value == institution.name
    row = by_name.html.select_one(f"#item-{world.items[0]}")
    assert row.select_one("td[data-label=受理机关]").text.strip() == "测试区卫生健康委员会"
    by_id = app.get("/commission", params={"institution": str(institution.id), "kind": "nurse.change"})
    assert {int(r["id"].removeprefix("item-")) for r in by_id.html.select("tr[id^=item-]")} == shown
    # another institution's name: none of these
    other = app.get("/commission", params={"institution": f"东{world.tag}双子医院", "kind": "nurse.change"})
    assert not other.html.select("tr[id^=item-]") and "没有符合条件的申请" in other.text


@pytest.mark.parametrize(("typed", "reason"), [
    ("双子医院{tag}不存在", "本辖区内没有名称或统一社会信用代码为"),
    ("{tag}双子", "不止一家"),
    ("0", "机构ID应为正整数"),
])
def test_an_institution_filter_that_finds_none_or_several_says_so_beside_the_box(wsgi_app, world, typed, reason):
    typed = typed.format(tag=world.tag)
    app = page_session(wsgi_app, world.desks["county"].username)
    page = app.get("/commission", params={"institution": typed}, status=400)
    assert page.forms["filter-form"]["institution"].value == typed
    assert reason in beside(page, "f-institution") and not page.html.select("tr[id^=item-]")


def test_a_batch_with_nothing_ticked_asks_to_tick_and_keeps_the_comment(wsgi_app, world, db):
    before = queue_state(db, world.items)
    app = page_session(wsgi_app, world.desks["county"].username)
    form = app.get("/commission", params={"kind": "nurse.change"}).forms["batch-form"]
    form["comment"] = "材料齐全"
    page = form.submit("decision", value="approve", status=400)
    assert page.html.select_one("#ids-error").text == "请先勾选要处理的申请"
    assert "应为非空" not in page.text
    assert page.forms["batch-form"]["comment"].value == "材料齐全"
    assert page.forms["filter-form"]["kind"].value == "nurse.change"  # the same list, still filtered
    assert queue_state(db, world.items) == before


def test_a_refused_batch_keeps_the_ticks_and_names_the_comment(wsgi_app, world, db):
    before = queue_state(db, world.items)
    app = page_session(wsgi_app, world.desks["county"].username)
    form = app.get("/commission", params={"kind": "nurse.change"}).forms["batch-form"]
    for box in form.fields["ids"]:
        box.checked = int(box._value) in world.items
    page = form.submit("decision", value="reject", status=400)
    assert "不予批准或退回时必须填写原因" in beside(page, "f-batch-comment") and refused(page, "f-batch-comment")
    ticked = {int(box._value) for box in page.forms["batch-form"].fields["ids"] if box.checked}
    assert ticked == set(world.items)
    assert queue_state(db, world.items) == before


# --- statistics /commission/stats ---------------------------------------------------------------------------


def test_a_period_ending_before_it_starts_keeps_both_dates_says_why_and_counts_nothing(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["city"].username)
    page = app.get("/commission/stats", params={"since": "2026-12-31", "until": "2026-01-01", "group_by": "status"}, status=400)
    form = page.forms["stats-form"]
    assert (form["since"].value, form["until"].value, form["group_by"].value) == ("2026-12-31", "2026-01-01", "status")
    assert "不能早于开始日期（2026-12-31）" in beside(page, "f-until") and refused(page, "f-until")
    for section in ("#stats-applications", "#stats-processing"):
        part = page.html.select_one(section)
        assert "本项未统计" in part.text and not part.select("table") and not part.select("svg.chart"), section
    assert page.html.select_one("#export-applications-csv") is None
    # the registers and the backlog are today's, whatever the period, and say so
    assert "不受上方提交日期条件影响" in page.html.select_one("#stats-registers").text


def test_a_date_that_is_not_one_stays_in_its_box_with_its_reason(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["city"].username)
    page = app.get("/commission/stats", params={"since": "2026-02-30"}, status=400)
    assert page.forms["stats-form"]["since"].value == "2026-02-30"
    assert "日期格式应为YYYY-MM-DD" in beside(page, "f-since")


# --- accounts /commission/accounts --------------------------------------------------------------------------


def test_a_refused_password_reset_keeps_the_mobile_beside_its_row_and_changes_nothing(wsgi_app, world, db):
    target = db.get(Account, world.institution_desk.account_id)
    before = (target.password_hash, target.must_change_password,
              db.scalar(select(func.count()).select_from(AccountRequest).where(AccountRequest.account_id == target.id)))
    app = page_session(wsgi_app, world.desks["admin"].username)
    page = app.get("/commission/accounts", params={"q": target.username})
    form = page.forms[f"reset-{target.id}"]
    form["mobile"] = "123"
    answer = form.submit(status=400)
    assert answer.forms[f"reset-{target.id}"]["mobile"].value == "123"
    row = answer.html.select_one(f"#account-{target.id}")
    assert "手机号码应为11位中国大陆手机号" in row.text and "row-refused" in row["class"]
    assert row.select_one("input[name=mobile]")["aria-invalid"] == "true"
    alert = answer.html.select_one(".alert").text
    assert target.username in alert and "未重置密码" in alert
    assert answer.forms["staff-form"]["username"].value == ""  # the other form is not touched by the row's reason
    db.expire_all()
    target = db.get(Account, target.id)
    assert (target.password_hash, target.must_change_password,
            db.scalar(select(func.count()).select_from(AccountRequest).where(AccountRequest.account_id == target.id))) == before


# --- the institution end: verification tools, contact and webhook -------------------------------------------


@pytest.fixture(scope="module")
def desk(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    made = institution_desk(TestApp(wsgi_app), session)
    records = pr.store(session, [
        pr.institution_record("110105", 901, made.id, status="operating"),
        pr.person_record("nurse", "110105", 902, [{"id": made.id, "name": made.institution.name,
                                                   "identifier": made.institution.identifier}], status="registered"),
    ])
    yield {"username": made.username, "id": made.id, "institution": records[0], "nurse": records[1]}
    session.close()


@pytest.mark.parametrize(("params", "box", "typed", "reason"), [
    ({"tool": "qualification", "certificate_no": "", "name": ""}, "f-certificate_no", "", "必填"),
    ({"tool": "qualification", "certificate_no": "", "name": ""}, "f-name", "", "必填"),
    ({"tool": "qualification", "certificate_no": "2011", "name": ""}, "f-name", "", "必填"),
    ({"tool": "registration", "identifier": ""}, "f-identifier", "", "必填"),
    ({"tool": "registration", "identifier": "abc"}, "f-identifier", "abc", "电子化注册识别码格式或校验位错误"),
    ({"tool": "institutions", "division": "abc"}, "f-idivision", "abc", "行政区划代码应为不超过 6 位的数字"),
])
def test_a_refused_verification_says_why_beside_its_own_box(wsgi_app, desk, params, box, typed, reason):
    app = page_session(wsgi_app, desk["username"])
    page = app.get("/institution/verify", params=params, status=400)
    assert reason in beside(page, box) and refused(page, box)
    assert page.html.select_one(f"#{box}").get("value", "") == typed
    if params.get("certificate_no"):
        assert page.html.select_one("#f-certificate_no")["value"] == params["certificate_no"]
    # the other tools' boxes of the same name are not marked
    assert not refused(page, "f-iname") or params["tool"] == "institutions"


def test_the_institution_search_shows_statuses_and_divisions_in_chinese(wsgi_app, desk):
    app = page_session(wsgi_app, desk["username"])
    page = app.get("/institution/verify", params={"tool": "institutions", "uscc": desk["institution"]["uscc"]})
    row = page.html.select_one("table.results tbody tr")
    assert row.select_one("td[data-label=状态]").text == "执业中"
    assert "operating" not in page.html.select_one("table.results").text
    assert "朝阳区" in row.select_one("td[data-label=行政区划]").text


def test_a_nurses_registration_shows_its_validity(wsgi_app, desk):
    nurse = desk["nurse"]
    app = page_session(wsgi_app, desk["username"])
    page = app.get("/institution/verify", params={"tool": "registration", "identifier": nurse["identifier"]})
    result = page.html.select_one("#registration-result").text
    assert nurse["name"] in result and "注册" in result and f"有效期至{nurse['valid_until']}" in result


def institution_state(db, institution_id: int) -> tuple:
    db.expire_all()
    institution = db.get(Institution, institution_id)
    events = db.scalar(select(func.count()).select_from(InstitutionEvent).where(InstitutionEvent.institution_id == institution_id))
    return institution.phone, institution.fax, events, db.get(InstitutionWebhook, institution_id)


def refused_profile(wsgi_app, desk, form_id: str, values: dict[str, str]):
    """The institution's profile page after sending `form_id` with `values`, refused."""
    form = page_session(wsgi_app, desk["username"]).get("/institution/profile").forms[form_id]
    for name, value in values.items():
        form[name] = value
    return form.submit(status=400)


def test_a_refused_phone_stays_as_typed_with_its_reason_and_nothing_is_saved(wsgi_app, desk, db):
    before = institution_state(db, desk["id"])
    page = refused_profile(wsgi_app, desk, "contact-form", {"phone": "电话abc", "fax": "010-87654321"})
    assert page.forms["contact-form"]["phone"].value == "电话abc"
    assert page.forms["contact-form"]["fax"].value == "010-87654321"
    assert "联系电话只能包含数字" in beside(page, "f-phone") and refused(page, "f-phone")
    assert not refused(page, "f-url")
    assert institution_state(db, desk["id"]) == before


def test_a_refused_webhook_address_stays_as_typed_with_its_reason_and_nothing_is_saved(wsgi_app, desk, db):
    before = institution_state(db, desk["id"])
    page = refused_profile(wsgi_app, desk, "webhook-form", {"url": "ftp://x", "secret": "a-secret-of-twenty-chars"})
    assert page.forms["webhook-form"]["url"].value == "ftp://x"
    assert "应为 http:// 或 https:// 开头的网址" in beside(page, "f-url") and refused(page, "f-url")
    assert page.forms["webhook-form"]["secret"].value == ""  # a secret is never written back into the page
    assert page.forms["contact-form"]["phone"].value == (before[0] or "")
    assert institution_state(db, desk["id"]) == before


def test_a_forged_choice_is_named_in_the_pages_summary_in_chinese(wsgi_app, api, db, settings):
    """A decision the buttons do not offer has no field beside which to say why: the summary above the form says it,
    calling the field by its Chinese name, and nothing is decided."""
    from tests.journeys import person_account

    desk = institution_desk(api, db, name=factories.unique_name("伪造决定医院"))
    person = person_account(db, settings, desk.id)
    item = factories.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "awaiting_institution")
    db.commit()
    app = page_session(wsgi_app, desk.username)
    page = app.get(f"/institution/tasks/{item.id}")
    form = next(form for form in page.forms.values() if form.action.endswith(f"/institution/tasks/{item.id}"))
    fields = {name: found[0].value for name, found in form.fields.items() if name and name != "decision"}
    shown = app.post(f"/institution/tasks/{item.id}", {**fields, "decision": "maybe"}, status=400)
    summary = shown.html.select_one(".alert").text
    assert "决定：" in summary and "decision" not in summary
    db.expire_all()
    assert db.get(Application, item.id).status == "awaiting_institution"
