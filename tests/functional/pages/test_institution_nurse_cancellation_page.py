"""The institution's nurse cancellation page over WebTest: only the institution sees it, a good form files a
`nurse.cancellation` for a nurse on its roll that goes through verification straight to the commission (no
confirmation step), and a bad form names the field and files nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Application
from portal.services import institution_desk as desks
from tests import nurse_journeys
from tests.journeys import commission_desk, institution_desk, page_session, unique_username, wait_routed

PAGE = "/institution/nurse-cancellation"


@pytest.fixture
def scene(api, db, settings):
    desk = institution_desk(api, db, name=unique_username("护士注销页医院"))
    nurse = nurse_journeys.nurse(api, db, settings, desk.id)
    nurse_journeys.registered(db, nurse, desk.id)
    commission_user, commission_headers = commission_desk(api, db)
    return {"desk": desk, "nurse": nurse, "commission_user": commission_user, "commission_headers": commission_headers}


def cancellations_of(db, person_id: int) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Application)
                     .where(Application.kind == "nurse.cancellation", Application.person_id == person_id))


def test_the_page_is_for_the_institution_only(wsgi_app, scene):
    assert "/login" in page_session(wsgi_app, None).get(PAGE, status=302).location
    assert page_session(wsgi_app, scene["nurse"]["mobile"]).get(PAGE, expect_errors=True).status_int == 403
    assert page_session(wsgi_app, scene["commission_user"]).get(PAGE, expect_errors=True).status_int == 403
    page = page_session(wsgi_app, scene["desk"].username).get(PAGE)
    assert "护士注销注册" in page.text and 'name="csrf_token"' in page.text
    assert scene["nurse"]["identifier"] in [value for value, *_ in page.forms["nurse-cancellation-form"]["identifier"].options]
    assert PAGE in page_session(wsgi_app, scene["desk"].username).get("/institution/staff").text


def test_a_filed_cancellation_goes_through_the_pipeline_to_the_commission(wsgi_app, api, db, scene, workers):
    form = page_session(wsgi_app, scene["desk"].username).get(PAGE).forms["nurse-cancellation-form"]
    form["identifier"], form["reason"] = scene["nurse"]["identifier"], "本人离职，不再从事护理工作"
    # Unticked, the cancellation is refused beside its box, what was typed kept, nothing filed.
    unticked = form.submit(status=400)
    assert unticked.html.select_one("#confirm-error").text == "请勾选确认后再提交"
    assert "注销注册获批后该护士的执业注册即失效" in unticked.html.select_one('label[for="f-confirm"]').text
    assert cancellations_of(db, scene["nurse"]["person_id"]) == 0
    form = unticked.forms["nurse-cancellation-form"]
    assert (form["identifier"].value, form["reason"].value) == (scene["nurse"]["identifier"], "本人离职，不再从事护理工作")
    form["confirm"] = True
    answer = form.submit()
    assert answer.status_int == 302 and answer.location.endswith("/institution")
    filed = db.scalar(select(Application).where(Application.kind == "nurse.cancellation",
                                                Application.person_id == scene["nurse"]["person_id"]))
    assert filed.institution_id == scene["desk"].id
    assert filed.data == {"identifier": scene["nurse"]["identifier"], "reason": "本人离职，不再从事护理工作"}
    queued = wait_routed(api, scene["commission_headers"], filed.id)
    assert queued["kind"] == "nurse.cancellation"


def test_a_bad_form_names_the_field_and_files_nothing(wsgi_app, api, db, settings, scene):
    app = page_session(wsgi_app, scene["desk"].username)
    answer = app.get(PAGE).forms["nurse-cancellation-form"].submit(expect_errors=True)
    assert answer.status_int == 400
    # Every reason at once, the unticked box's with the fields' own.
    assert answer.html.select_one("#identifier-error") is not None and answer.html.select_one("#reason-error") is not None
    assert answer.html.select_one("#confirm-error") is not None

    elsewhere = institution_desk(api, db, name=unique_username("别家医院"))
    stranger = nurse_journeys.nurse(api, db, settings, elsewhere.id)
    nurse_journeys.registered(db, stranger, elsewhere.id)
    form = app.get(PAGE).forms["nurse-cancellation-form"]
    form["reason"], form["confirm"] = "离职", True
    form.fields["identifier"][0].force_value(stranger["identifier"])
    answer = form.submit(expect_errors=True)
    assert answer.status_int == 400 and "本机构没有该电子化注册识别码的注册人员" in answer.text
    assert answer.html.select_one("#identifier-error") is not None
    assert cancellations_of(db, scene["nurse"]["person_id"]) == 0 and cancellations_of(db, stranger["person_id"]) == 0


def test_a_roll_too_long_to_list_takes_the_identifier_typed(wsgi_app, api, db, settings, scene, monkeypatch):
    # A big hospital's thousands of nurses: the form lists none rather than the first few, and says to type.
    other = nurse_journeys.nurse(api, db, settings, scene["desk"].id)
    nurse_journeys.registered(db, other, scene["desk"].id)
    monkeypatch.setattr(desks, "ROLL_MOST", 1)
    page = page_session(wsgi_app, scene["desk"].username).get(PAGE)
    field = page.html.select_one("#f-identifier")
    assert field.name == "input" and field.get("type") == "text"
    assert "本机构在册护士超过1人，不便逐一列出：请输入其电子化注册识别码" in page.text
    form = page.forms["nurse-cancellation-form"]
    form["identifier"], form["reason"], form["confirm"] = other["identifier"], "本人离职", True
    assert form.submit().status_int == 302
    assert cancellations_of(db, other["person_id"]) == 1 and cancellations_of(db, scene["nurse"]["person_id"]) == 0
    monkeypatch.setattr(desks, "ROLL_MOST", 2)  # both listed again, by name
    listed = page_session(wsgi_app, scene["desk"].username).get(PAGE).forms["nurse-cancellation-form"]["identifier"].options
    assert {value for value, *_ in listed if value} == {scene["nurse"]["identifier"], other["identifier"]}
