"""The commission counter page for 2008年前通过考试护士首次注册 over WebTest: only commission staff see its fields,
an entry is approved on entry and goes on to an identifier and publication, a bad entry names its fields and
changes nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import Application, Person
from models.crypto import lookup_hash
from tests import factories, nurse_journeys
from tests.journeys import commission_desk, institution_desk, look_up_institution, page_session, unique_username, wait_for

PAGE = "/commission/counter?kind=nurse.pre2008_first_registration"
NURSE_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "mobile", "certificate_no", "passed_year",
                "institution_id", "department")


@pytest.fixture
def scene(api, db, settings):
    desk = institution_desk(api, db, name=unique_username("窗口护士页医院"))
    commission_user, _ = commission_desk(api, db)
    nurse = nurse_journeys.nurse(api, db, settings, desk.id)
    return {"desk": desk, "commission_user": commission_user, "nurse_mobile": nurse["mobile"]}


def fill(form, desk_id: int, **overrides) -> dict:
    birth = date(1972, 5, 6)
    values = {"name": factories.unique_name("赵"), "sex": "女", "birth_date": birth.isoformat(), "id_type": "resident_id",
              "id_number": factories.resident_id(birth, sex="女"), "mobile": factories.unique_mobile(),
              "certificate_no": f"N1996{factories.unique_mobile()[-6:]}", "passed_year": "1996",
              "institution_id": str(desk_id), "department": "外科", **overrides}
    for name, value in values.items():
        form[name] = value
    return values


def test_the_nurse_counter_form_is_for_commission_staff_only(wsgi_app, scene):
    assert "/login" in page_session(wsgi_app, None).get(PAGE, status=302).location
    assert page_session(wsgi_app, scene["desk"].username).get(PAGE, expect_errors=True).status_int == 403
    assert page_session(wsgi_app, scene["nurse_mobile"]).get(PAGE, expect_errors=True).status_int == 403
    offered = page_session(wsgi_app, scene["commission_user"]).get("/commission/counter")
    assert "2008年前通过考试护士首次注册" in offered.text
    page = page_session(wsgi_app, scene["commission_user"]).get(PAGE)
    form = page.forms["counter-form"]
    assert set(NURSE_FIELDS) <= set(form.fields) and "csrf_token" in form.fields
    assert "护士执业资格考试合格证明编号" in page.text and "考试合格年份" in page.text
    found = look_up_institution(page.forms["counter-form"], scene["desk"].institution.name).forms["counter-form"]
    assert found["institution_id"].value == str(scene["desk"].id)


def counter_form(wsgi_app, scene):
    """The counter form with the nurse's institution looked up (its name is unique: it is chosen)."""
    page = page_session(wsgi_app, scene["commission_user"]).get(PAGE)
    return look_up_institution(page.forms["counter-form"], scene["desk"].institution.name).forms["counter-form"]


def test_a_counter_entry_is_approved_and_published_with_a_nurse_identifier(wsgi_app, api, db, settings, scene, workers):
    form = counter_form(wsgi_app, scene)
    values = fill(form, scene["desk"].id)
    answer = form.submit()
    assert answer.status_int == 302 and "/commission/queue/" in answer.location
    person = db.scalar(select(Person).where(Person.id_number_hash == lookup_hash(settings.secret, values["id_number"])))
    entered = db.scalar(select(Application).where(Application.person_id == person.id))
    assert entered.kind == "nurse.pre2008_first_registration" and entered.institution_id == scene["desk"].id
    assert entered.data["passed_year"] == 1996 and "id_number" not in entered.data

    def published():
        db.expire_all()
        item = db.get(Application, entered.id)
        return item if item.status == "published" else None

    assert wait_for(published).identifier.startswith("N110105")


def test_a_bad_counter_entry_names_its_fields_and_changes_nothing(wsgi_app, db, settings, scene):
    form = counter_form(wsgi_app, scene)
    values = fill(form, scene["desk"].id, passed_year="2012", mobile="123", department="")
    answer = form.submit(expect_errors=True)
    assert answer.status_int == 400
    errors = {p.find_previous("label").get_text(): p.get_text() for p in answer.html.select(".field .field-error")}
    assert set(errors) == {"考试合格年份", "手机号码", "工作科室"}
    assert "2008" in errors["考试合格年份"] and errors["工作科室"] == "必填"
    assert answer.forms["counter-form"]["passed_year"].value == "2012"
    db.expire_all()
    id_hash = lookup_hash(settings.secret, values["id_number"])
    assert db.scalar(select(func.count()).select_from(Person).where(Person.id_number_hash == id_hash)) == 0
    assert db.scalar(select(func.count()).select_from(Application).where(
        Application.institution_id == scene["desk"].id, Application.kind == "nurse.pre2008_first_registration")) == 0
