"""The server-rendered pages over WebTest: each end renders for its role and for no one else,
form errors name the field and keep the input, and every form needs its CSRF token."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from models import Account, Application, AttemptCounter, Person, PublicRecord
from models.crypto import keyed_digest
from portal.services.accounts import BAD_ACTIVATION
from tests import factories, public_records
from tests.journeys import PASSWORD, activate, login, look_up_institution, physician_signup, staff_account

ROLES = ("anonymous", "person", "institution", "commission")


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    """One institution with its staff account, a commission account, an active physician with one application
    waiting for the institution and one waiting for the commission."""
    from models.db import session_factory

    tag = uuid.uuid4().hex[:6]
    session = session_factory(settings.database_url)()
    inst = factories.institution(session, name=f"页面测试医院{tag}")
    staff_account(session, "institution", f"pg-inst-{tag}", institution_id=inst.id)
    staff_account(session, "commission", f"pg-com-{tag}", division="110105")
    session.commit()
    api = TestApp(wsgi_app)
    person = physician_signup(api, inst.id, name="页面医生")
    activate(api, login(api, f"pg-inst-{tag}"), person)
    account = session.get(Account, person["account_id"])
    waiting = [
        Application(kind="physician.first_registration", status=status, applicant_account_id=account.id, person_id=account.person_id,
                    institution_id=inst.id, commission_code=commission, data={"certificate_no": "201100000000001",
                    "practice_category": "临床", "practice_scope": ["内科专业"], "institution_id": inst.id})
        for status, commission in (("awaiting_institution", None), ("pending_approval", "110105"))
    ]
    for application in waiting:
        application.record("申请人 页面医生", None, application.status, "测试安排")
        session.add(application)
    session.commit()
    yield {
        "institution": inst.id, "person": person, "tag": tag,
        "users": {"person": person["mobile"], "institution": f"pg-inst-{tag}", "commission": f"pg-com-{tag}"},
        "awaiting": waiting[0].id, "pending": waiting[1].id,
    }
    session.close()


def browser_as(wsgi_app, world, role: str) -> TestApp:
    """A WebTest client with the session cookie of `role`, logged in through the login form."""
    app = TestApp(wsgi_app)
    if role == "anonymous":
        return app
    form = app.get("/login").forms[0]
    form["username"], form["password"] = world["users"][role], PASSWORD
    assert form.submit().status_int == 302
    return app


def pages(world) -> dict[str, str]:
    """Each page and the role it is for (None: anyone)."""
    return {
        "/": None, "/login": None, "/signup": None, "/activate": None, "/public": None, "/public?kind=physicians&name=%E9%A1%B5%E9%9D%A2": None,
        "/me": "person", "/me/apply": "person", "/me/registration": "person", f"/me/applications/{world['awaiting']}": "person",
        "/institution": "institution", f"/institution/tasks/{world['awaiting']}": "institution",
        "/commission": "commission", f"/commission/queue/{world['pending']}": "commission",
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_page_renders_for_its_role_and_is_refused_to_the_others(wsgi_app, world, role):
    app = browser_as(wsgi_app, world, role)
    for path, owner in pages(world).items():
        response = app.get(path, expect_errors=True)
        if owner is None or owner == role:
            assert response.status_int == 200, path
            assert response.content_type == "text/html"
            assert '<meta name="viewport"' in response.text
        elif role == "anonymous":
            assert response.status_int == 302, path
            assert response.location.endswith("/login?next=" + path.replace("/", "%2F")), response.location
        else:
            assert response.status_int == 403, path
            assert "无权访问" in response.text


def test_login_redirects_to_the_page_asked_for_and_never_off_site(wsgi_app, world):
    app = TestApp(wsgi_app)
    form = app.get("/me").follow().forms[0]
    form["username"], form["password"] = world["users"]["person"], PASSWORD
    assert form.submit().location == "http://localhost/me"
    app = TestApp(wsgi_app)
    form = app.get("/login?next=//evil.example/").forms[0]
    form["username"], form["password"] = world["users"]["institution"], PASSWORD
    assert form.submit().location == "http://localhost/institution"


def test_a_wrong_password_is_shown_and_counted(wsgi_app, world, db, settings):
    app = TestApp(wsgi_app)
    form = app.get("/login").forms[0]
    form["username"], form["password"] = world["users"]["commission"], "wrong-password-1"
    page = form.submit(status=401)
    assert "用户名或密码错误" in page.text
    assert page.forms[0]["username"].value == world["users"]["commission"]
    # Counted in attempt_counters (per account and client address), cleared by a success.
    account = db.scalar(select(Account).where(Account.username == world["users"]["commission"]))
    counted = select(func.max(AttemptCounter.failures)).where(AttemptCounter.purpose == "login",
                                                              AttemptCounter.subject == keyed_digest(
                                                                  settings.secret, "attempts", f"login|account:{account.id}"))
    assert db.scalar(counted) == 1
    browser_as(wsgi_app, world, "commission")
    db.expire_all()
    assert db.scalar(counted) is None


def test_signup_errors_sit_next_to_their_fields_and_keep_the_input(wsgi_app, world, db):
    app = TestApp(wsgi_app)
    form = look_up_institution(app.get("/signup").forms["signup-form"], f"页面测试医院{world['tag']}").forms["signup-form"]
    assert form["institution_id"].value == str(world["institution"])
    form["name"] = "填错的人"
    form["sex"] = "女"
    form["birth_date"] = "1990-01-01"
    form["id_number"] = "110105199001011234"
    form["mobile"] = "12345"
    form["password"] = "short"
    page = form.submit(status=400)
    assert "提交的内容有误" in page.text
    assert page.html.select_one("#f-mobile").find_next_sibling("p", class_="field-error").text == "手机号码应为11位中国大陆手机号"
    assert "密码长度应为8至128个字符" in page.html.select_one("#f-password").parent.text
    assert page.html.select_one("#f-id_number").parent.select_one(".field-error") is not None
    kept = page.forms[0]
    assert kept["name"].value == "填错的人" and kept["mobile"].value == "12345" and kept["password"].value == ""
    assert kept["institution_id"].value == str(world["institution"])


def test_signup_then_activation_through_the_pages(wsgi_app, world, db):
    app = TestApp(wsgi_app)
    form = look_up_institution(app.get("/signup").forms["signup-form"], f"页面测试医院{world['tag']}").forms["signup-form"]
    id_number, mobile = factories.resident_id(), factories.unique_mobile()
    for name, value in {"name": "表单医生", "sex": "男", "birth_date": "1990-05-17", "id_number": id_number, "mobile": mobile,
                        "password": PASSWORD, "institution_id": str(world["institution"])}.items():
        form[name] = value
    # Nothing is chosen for the profession until the person chooses it; the form says so, and keeps the rest.
    assert form["profession"].value == ""
    unchosen = form.submit(status=400)
    assert unchosen.html.select_one("#f-profession").parent.select_one(".field-error").text.strip() == "必填"
    assert db.scalar(select(Person.id).where(Person.name == "表单医生")) is None
    form = unchosen.forms[0]
    assert form["name"].value == "表单医生" and form["id_number"].value == id_number
    form["profession"], form["password"] = "physician", PASSWORD
    # A sex the ID number contradicts is refused on the ID number (GB 11643: the 17th digit is odd for a man).
    form["sex"] = "女"
    contradicted = form.submit(status=400)
    assert "身份证号码中的性别与所填性别不一致" in contradicted.html.select_one("#f-id_number").parent.text
    form = contradicted.forms[0]
    form["sex"], form["password"] = "男", PASSWORD
    activation = form.submit().follow()
    assert "注册申请已受理" in activation.text
    institution = browser_as(wsgi_app, world, "institution")
    desk = institution.get("/institution")
    assert "表单医生" in desk.text
    account_id = db.scalar(select(Account.id).where(Account.username.is_(None)).order_by(Account.id.desc()))
    issued = desk.forms[f"issue-{account_id}"].submit()
    code = issued.html.select_one("#issued-code .code").text
    assert len(code) == 6 and code.isdigit()
    form = activation.forms[0]
    form["username"], form["code"] = mobile, "000000" if code != "000000" else "111111"
    wrong = form.submit(status=400)
    assert BAD_ACTIVATION in wrong.html.select_one("#f-code").parent.text
    form = wrong.forms[0]
    form["code"] = code
    assert "账号已激活" in form.submit().follow().text


def test_apply_form_errors_name_the_field(wsgi_app, world, db):
    app = browser_as(wsgi_app, world, "person")
    form = app.get("/me/apply").forms["apply-form"]
    form["practice_category"] = "口腔"
    form["practice_scope"] = ["内科专业"]
    page = form.submit(status=400)
    assert "必填" in page.html.select_one("#f-certificate_no").parent.text
    assert "不属于口腔类别" in page.html.select_one("#f-practice_scope").parent.text
    assert page.forms["apply-form"]["practice_scope"].value == ["内科专业"]
    assert page.forms["apply-form"]["practice_category"].value == "口腔"


def test_returning_needs_a_comment_and_changes_nothing_without_one(wsgi_app, world, db):
    institution = browser_as(wsgi_app, world, "institution")
    page = institution.get(f"/institution/tasks/{world['awaiting']}")
    refused = page.forms["decision-form"].submit("decision", index=1, status=400)
    assert "退回时必须填写原因" in refused.html.select_one("#f-comment").parent.text
    assert db.get(Application, world["awaiting"]).status == "awaiting_institution"
    commission = browser_as(wsgi_app, world, "commission")
    page = commission.get(f"/commission/queue/{world['pending']}")
    assert "办理记录" in page.text and "测试安排" in page.text
    refused = page.forms["decision-form"].submit("decision", index=2, status=400)
    assert "不予批准或退回时必须填写原因" in refused.text
    db.expire_all()
    assert db.get(Application, world["pending"]).status == "pending_approval"


def test_another_persons_application_is_not_found(wsgi_app, world):
    institution = browser_as(wsgi_app, world, "institution")
    assert institution.get("/institution/tasks/999999", status=404).html.select_one(".alert").text == "申请不存在或无权查看"


def test_every_form_needs_its_csrf_token(wsgi_app, world):
    app = browser_as(wsgi_app, world, "person")
    for path in ("/login", "/signup", "/activate", "/me/apply", f"/me/applications/{world['awaiting']}/withdraw", "/logout"):
        assert "页面已过期" in app.post(path, {"username": "x"}, status=400).text, path
    assert app.get("/me").status_int == 200  # still logged in: the logout without a token did nothing


def test_public_search_pages_with_a_cursor(wsgi_app, world, db):
    tag = world["tag"]
    names = [f"公示{tag}{n:02d}" for n in range(21)]  # one more than a page
    identifiers = [public_records.identifier("physician", "110105") for _ in names]
    for identifier, name in zip(identifiers, names, strict=True):
        db.add(PublicRecord(identifier=identifier, kind="physician", name=name, division="110105", institution_id=None,
                            status="registered", version=1, body={"identifier": identifier, "kind": "physician", "name": name,
                            "sex": "女", "status_label": "注册", "institutions": [], "registering_authority": {"name": "朝阳区卫生健康委员会"}}))
    db.commit()
    app = TestApp(wsgi_app)
    first = app.get("/public", {"kind": "physicians", "name": f"公示{tag}"})
    second = first.click("下一页")
    assert [a.text for a in first.html.select("table.results td a")] == names[:20]
    assert [a.text for a in second.html.select("table.results td a")] == names[20:]
    assert second.html.select_one(".pager") is None
    record = first.click(names[0])
    assert identifiers[0] in record.text and "朝阳区卫生健康委员会" in record.text
    bad = app.get("/public", {"kind": "physicians", "division": "北京"}, status=400)
    assert "行政区划代码应为不超过 6 位的数字" in bad.html.select_one("#f-division").parent.text


def test_an_unknown_page_is_a_chinese_404(wsgi_app):
    assert "页面不存在" in TestApp(wsgi_app).get("/no-such-page", status=404).text


def test_a_returned_application_is_resubmitted_then_withdrawn(wsgi_app, world, db):
    account = db.get(Account, world["person"]["account_id"])
    application = Application(kind="physician.first_registration", status="awaiting_institution", applicant_account_id=account.id,
                              person_id=account.person_id, institution_id=world["institution"], data={"certificate_no": "201100000000009",
                              "practice_category": "临床", "practice_scope": ["内科专业"], "institution_id": world["institution"]})
    application.record("申请人 页面医生", None, "awaiting_institution", "测试安排")
    db.add(application)
    db.commit()
    institution = browser_as(wsgi_app, world, "institution")
    form = institution.get(f"/institution/tasks/{application.id}").forms["decision-form"]
    form["comment"] = "执业范围请与科室核对"
    assert "已退回申请人" in form.submit("decision", index=1).follow().text

    person = browser_as(wsgi_app, world, "person")
    page = person.get(f"/me/applications/{application.id}")
    assert "已退回" in page.html.select_one(".status-line").text and "执业范围请与科室核对" in page.text
    form = page.forms["resubmit-form"]
    assert form["certificate_no"].value == "201100000000009" and form["practice_scope"].value == ["内科专业"]
    form["practice_scope"] = ["内科专业", "全科医学专业"]
    page = form.submit().follow()
    # The real workers may already have verified it by the time the page renders.
    assert page.html.select_one(".status-line").text.split("：")[-1].strip() in {"已提交", "核验中", "核验未通过", "待机构确认"}
    assert "全科医学专业" in page.html.select_one("dl.facts:last-of-type").text and "resubmit-form" not in page.forms
    db.expire_all()
    assert [e.to_status for e in db.get(Application, application.id).history][:3] == ["awaiting_institution", "returned", "submitted"]

    # Withdrawing, on an application no worker will move meanwhile (returned waits for its applicant).
    returned = Application(kind="physician.first_registration", status="returned", applicant_account_id=account.id,
                           person_id=account.person_id, institution_id=world["institution"], data=application.data)
    returned.record("申请人 页面医生", None, "returned", "测试安排")
    db.add(returned)
    db.commit()
    form = person.get(f"/me/applications/{returned.id}").forms["withdraw-form"]
    form["confirm"].checked = True  # 确认撤回 (test_application_page.py: without it, nothing is withdrawn)
    page = form.submit().follow()
    assert "已撤回" in page.html.select_one(".status-line").text and "withdraw-form" not in page.forms
    db.expire_all()
    assert [e.to_status for e in db.get(Application, returned.id).history] == ["returned", "withdrawn"]


def test_pages_show_moments_in_beijing_time(wsgi_app, world, db):
    """An application submitted at 21:40 UTC was submitted at 05:40 the next morning in Beijing, and every page
    that shows it says so (the API keeps ISO 8601 with its offset)."""
    from datetime import UTC, datetime

    application = db.get(Application, world["awaiting"])
    submitted = application.submitted_at
    application.submitted_at = datetime(2026, 12, 2, 21, 40, tzinfo=UTC)
    db.commit()
    try:
        person = browser_as(wsgi_app, world, "person")
        for path in ("/me", f"/me/applications/{world['awaiting']}"):
            page = person.get(path).text
            assert "2026-12-03 05:40" in page and "2026-12-02 21:40" not in page, path
        assert "北京时间" in person.get("/me").text
        institution = browser_as(wsgi_app, world, "institution")
        assert "2026-12-03 05:40" in institution.get("/institution").text
        api = TestApp(wsgi_app)
        shown = api.get(f"/api/v1/applications/{world['awaiting']}", headers=login(api, world["users"]["person"])).json
        assert datetime.fromisoformat(shown["submitted_at"]) == datetime(2026, 12, 2, 21, 40, tzinfo=UTC)
    finally:
        db.get(Application, world["awaiting"]).submitted_at = submitted
        db.commit()
