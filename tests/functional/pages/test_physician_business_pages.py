"""The physician business pages over WebTest: each renders in Chinese for its role only, a bad form says which
field is wrong and changes nothing, a good one files the application."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from models import Application
from tests import factories
from tests.journeys import PASSWORD, person_account, staff_account

PAGES = {
    "/me/business": "person",
    "/me/business?kind=physician.change": "person",
    "/me/business?kind=physician.multi_site_filing": "person",
    "/me/business?kind=physician.re_registration": "person",
    "/me/business?kind=physician.info_change": "person",
    "/institution/staff-business/departure_filing": "institution",
    "/institution/staff-business/cancellation": "institution",
    "/commission/counter": "commission",
    "/commission/counter?kind=physician.qualification_backfill": "commission",
    "/commission/counter?kind=physician.hmt_qualification_recognition": "commission",
    "/commission/counter?kind=physician.hmt_short_term_practice": "commission",
    "/commission/counter?kind=physician.foreign_short_term_practice": "commission",
}


@pytest.fixture(scope="module")
def desk(wsgi_app, settings):
    from models.db import session_factory

    tag = uuid.uuid4().hex[:6]
    session = session_factory(settings.database_url)()
    inst = factories.institution(session, name=f"业务页面医院{tag}")
    staff_account(session, "institution", f"pb-inst-{tag}", institution_id=inst.id)
    staff_account(session, "commission", f"pb-com-{tag}", division="110105")
    person = person_account(session, settings, inst.id)
    item = factories.application(session, person["person_id"], person["account_id"], inst.id, person["certificate_no"],
                                 "approved", commission_code="110105")
    factories.issued(session, item)
    item.status = "published"
    session.commit()
    yield {"institution": inst.id, "identifier": item.identifier,
           "users": {"person": person["mobile"], "institution": f"pb-inst-{tag}", "commission": f"pb-com-{tag}"}}
    session.close()


def browser_as(wsgi_app, desk, role: str) -> TestApp:
    app = TestApp(wsgi_app)
    if role != "anonymous":
        form = app.get("/login").forms[0]
        form["username"], form["password"] = desk["users"][role], PASSWORD
        assert form.submit().status_int == 302
    return app


@pytest.mark.parametrize("role", ["anonymous", "person", "institution", "commission"])
def test_each_page_is_for_its_role_only(wsgi_app, desk, role):
    app = browser_as(wsgi_app, desk, role)
    for path, owner in PAGES.items():
        answer = app.get(path, expect_errors=True)
        if role == owner:
            assert answer.status_int == 200 and "医师" in answer.text, path
        elif role == "anonymous":
            assert answer.status_int == 302 and "/login" in answer.location, path
        else:
            assert answer.status_int == 403, path


def count(db) -> int:
    return db.scalar(select(func.count()).select_from(Application))


def test_bad_forms_name_the_field_and_change_nothing(wsgi_app, desk, db):
    before = count(db)
    person = browser_as(wsgi_app, desk, "person")
    form = person.get("/me/business?kind=physician.multi_site_filing").forms["business-form"]
    answer = form.submit(expect_errors=True)
    assert answer.status_int == 400 and "必填" in answer.text
    institution = browser_as(wsgi_app, desk, "institution")
    form = institution.get("/institution/staff-business/cancellation").forms["staff-business-form"]
    form["identifier"], form["reason"], form["occurred_on"] = desk["identifier"], "other", "2026-01-01"
    answer = form.submit(expect_errors=True)
    assert answer.status_int == 400 and "注销原因为“其他”时须填写说明" in answer.text
    commission = browser_as(wsgi_app, desk, "commission")
    form = commission.get("/commission/counter?kind=physician.qualification_backfill").forms["counter-form"]
    form["name"] = "王"
    answer = form.submit(expect_errors=True)
    assert answer.status_int == 400 and "姓名长度应为2至30个字符" in answer.text
    assert count(db) == before


def test_the_roll_lists_the_institutions_physicians_and_a_filing_is_filed(wsgi_app, desk, db):
    institution = browser_as(wsgi_app, desk, "institution")
    page = institution.get("/institution/staff-business/departure_filing")
    form = page.forms["staff-business-form"]
    assert desk["identifier"] in [value for value, *_ in form["identifier"].options]
    form["identifier"], form["reason"], form["left_on"] = desk["identifier"], "transfer", "2026-01-02"
    answer = form.submit()
    assert answer.status_int == 302
    filed = db.scalar(select(Application).where(Application.kind == "physician.departure_filing",
                                                Application.data["identifier"].as_string() == desk["identifier"]))
    assert filed.data == {"identifier": desk["identifier"], "reason": "transfer", "left_on": "2026-01-02"}


def test_the_scope_choice_of_a_change_shows_each_scope_once(wsgi_app, desk):
    """全科医学专业 is of both 临床 and 中医: the select offered it twice, one value under two groups."""
    page = browser_as(wsgi_app, desk, "person").get("/me/business?kind=physician.change")
    options = page.html.select("#business-form select[multiple] optgroup option")
    values = [option["value"] for option in options]
    assert "全科医学专业" in values and len(values) == len(set(values))
    general = next(option for option in options if option["value"] == "全科医学专业")
    assert general.text == "全科医学专业（临床、中医）" and general.parent["label"] == "临床"
