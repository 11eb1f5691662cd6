"""The institution end's pages over WebTest: each renders in Chinese for the institution and for no one else;
a form error names the field and changes nothing."""
from __future__ import annotations

import pytest
from webtest import TestApp

from tests.journeys import commission_desk, institution_desk, page_session, person_account

PAGES = ["/institution/business", "/institution/profile", "/institution/staff?profession=other", "/institution/scope-map",
         "/institution/verify?tool=qualification&certificate_no=x&name=y", "/institution/batches", "/institution/notifications"]


@pytest.fixture(scope="module")
def clients(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    desk = institution_desk(api, session)
    person = person_account(session, settings, desk.id)
    session.commit()
    commission, _ = commission_desk(api, session)
    yield {"institution": page_session(wsgi_app, desk.username), "person": page_session(wsgi_app, person["mobile"]),
           "commission": page_session(wsgi_app, commission), "anonymous": TestApp(wsgi_app)}
    session.close()


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_the_institutions_alone(clients, path):
    page = clients["institution"].get(path)
    assert "机构" in page.text and "lang=\"zh-CN\"" in page.text
    assert clients["anonymous"].get(path).status_int == 302
    for role in ("person", "commission"):
        assert clients[role].get(path, status=403).status_int == 403


def test_the_set_up_approval_form_is_the_commissions_and_names_bad_fields(clients):
    clients["institution"].get("/commission/institutions/new", status=403)
    page = clients["commission"].get("/commission/institutions/new")
    form = page.forms["setup-form"]
    form["name"], form["beds"] = "x", "-3"
    answer = form.submit(status=400)
    assert "机构名称长度" in answer.text and "床位数" in answer.text


def test_phone_and_fax_are_kept_and_a_bad_one_is_refused(clients):
    page = clients["institution"].get("/institution/profile")
    form = page.forms["contact-form"]
    form["phone"], form["fax"] = "010-12345678", "010-87654321"
    profile = form.submit().follow()
    assert "传真由" in profile.text
    form = profile.forms["contact-form"]
    form["phone"] = "打电话"
    assert "联系电话只能包含数字" in form.submit(status=400).text


def test_cancelling_the_institution_asks_first_and_files_nothing_unticked(clients, db):
    """注销登记 ends the institution: one press of the button filed it. Unticked, it is refused beside the box with
    the reason typed kept; ticked, it is filed."""
    from sqlalchemy import func, select

    from models import Application

    def filed() -> int:
        return db.scalar(select(func.count()).select_from(Application).where(Application.kind == "institution.cancellation",
                                                                             Application.data["reason"].as_string() == "机构合并，原址停办"))

    page = clients["institution"].get("/institution/business")
    form = page.forms["form-institution-cancellation"]
    form["reason"] = "机构合并，原址停办"
    refused = form.submit(status=400)
    kept = refused.forms["form-institution-cancellation"]
    assert kept["reason"].value == "机构合并，原址停办"
    box = refused.html.select_one('label[for="f-institution.cancellation-confirm"]')
    assert "注销登记获批后即停止执业" in box.text
    assert refused.html.select_one("#institution\\.cancellation-confirm-error").text == "请勾选确认后再提交"
    assert filed() == 0
    kept["confirm"] = True
    assert kept.submit().status_int == 302 and filed() == 1
