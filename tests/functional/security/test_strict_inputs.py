"""Rule 6: a value of the wrong type or a field nobody asked for is refused, never stored as something else or
silently dropped — a 400 in the contract shape naming the field with a Chinese reason, and nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Account, Application, ApplicationEvent, AuditEntry, Institution, OtherStaff
from pipeline.applications import COMMENT_MAX
from tests import factories
from tests.institution_steps import setup_approval
from tests.journeys import commission_desk, institution_desk, page_session, person_account


def refused(answer, field: str, code: str) -> dict:
    error = answer.json["error"]
    assert (error["code"], error["codes"].get(field)) == ("invalid", code), error
    assert error["fields"][field] and not error["fields"][field].isascii(), error  # a Chinese reason
    return error


def count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


# --- an institution's other staff -------------------------------------------------------------------


@pytest.mark.parametrize("title", [0, False, [], {}, 5, True, ["护师"]])
def test_a_staff_title_that_is_not_text_is_refused_not_stored_as_blank(api, db, title):
    desk = institution_desk(api, db, name=factories.unique_name("职称医院"))
    body = {"name": "张三", "sex": "男", "post": "护工", "title": title}
    answer = api.post_json("/api/v1/institution/staff", body, headers=desk.headers, status=400)
    assert "职称" in refused(answer, "title", "type")["fields"]["title"]
    assert count(db, OtherStaff, OtherStaff.institution_id == desk.id) == 0


def test_a_staff_title_may_still_be_left_out_or_cleared(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("职称医院"))
    made = [api.post_json("/api/v1/institution/staff", {"name": "张三", "sex": "男", "post": "护工", **extra},
                          headers=desk.headers, status=201).json for extra in ({}, {"title": ""}, {"title": None},
                                                                                 {"title": " 主管护师 "})]
    assert [item["title"] for item in made] == ["", "", "", "主管护师"]
    patched = api.patch_json(f"/api/v1/institution/staff/{made[3]['id']}", {"title": ""}, headers=desk.headers).json
    assert patched["title"] == ""
    refused(api.patch_json(f"/api/v1/institution/staff/{made[0]['id']}", {"title": 0}, headers=desk.headers, status=400),
            "title", "type")


def test_the_staff_page_form_still_adds_a_member_without_a_title(db, wsgi_app, api):
    desk = institution_desk(api, db, name=factories.unique_name("职称医院"))
    form = page_session(wsgi_app, desk.username).get("/institution/staff?profession=other").forms["staff-form"]
    form["name"], form["sex"], form["post"] = "李四", "女", "护工"
    assert "已新增" in form.submit(status=302).follow().text
    row = db.scalar(select(OtherStaff).where(OtherStaff.institution_id == desk.id))
    assert (row.name, row.title) == ("李四", "")


# --- the commission's set-up approval and account hand-out ------------------------------------------


@pytest.mark.parametrize("field", ["approval_no", "approved_on", "phone", "fax"])
def test_a_set_up_approval_refuses_a_list_for_a_text_or_a_date(api, db, field):
    _, commission = commission_desk(api, db, "110105")
    body = setup_approval(**{field: []})
    before = count(db, Institution, Institution.name == body["name"])
    answer = api.post_json("/api/v1/commission/institutions", body, headers=commission, status=400)
    refused(answer, field, "type" if field != "approved_on" else "format")
    assert count(db, Institution, Institution.name == body["name"]) == before == 0
    assert api.post_json("/api/v1/commission/institutions", setup_approval(departments=[]), headers=commission,
                         status=400).json["error"]["codes"]["departments"] == "required"


def test_an_account_hand_out_refuses_a_field_it_does_not_take(api, db):
    _, commission = commission_desk(api, db, "110105")
    institution = factories.institution(db, name=factories.unique_name("分发医院"))
    db.commit()
    answer = api.post_json(f"/api/v1/commission/institutions/{institution.id}/account",
                           {"mobile": "13911112222", "extra": 1}, headers=commission, status=400)
    refused(answer, "extra", "unknown_field")
    assert count(db, Account, Account.institution_id == institution.id) == 0
    assert count(db, AuditEntry, AuditEntry.target == f"institution:{institution.id}") == 0


# --- decisions --------------------------------------------------------------------------------------


@pytest.fixture
def items(api, db, settings):
    """An application awaiting its institution's confirmation and one awaiting the commission of 110105."""
    desk = institution_desk(api, db, name=factories.unique_name("决定医院"))
    first, second = person_account(db, settings, desk.id), person_account(db, settings, desk.id)
    waiting = factories.application(db, first["person_id"], first["account_id"], desk.id, first["certificate_no"],
                                    "awaiting_institution")
    pending = factories.application(db, second["person_id"], second["account_id"], desk.id, second["certificate_no"],
                                    "pending_approval", "110105")
    db.commit()
    _, commission = commission_desk(api, db, "110105")
    return {"desk": desk, "waiting": waiting, "pending": pending, "commission": commission}


def events(db, application: Application) -> tuple[str, int]:
    db.expire_all()
    return (db.get(Application, application.id).status,
            count(db, ApplicationEvent, ApplicationEvent.application_id == application.id))


def decision_requests(items) -> list[tuple[str, dict, Application, object]]:
    """(path, body, application, headers) of each decision endpoint, for a return with a comment."""
    return [
        (f"/api/v1/institution/tasks/{items['waiting'].id}", {"decision": "return"}, items["waiting"], items["desk"].headers),
        (f"/api/v1/commission/queue/{items['pending'].id}", {"decision": "return"}, items["pending"], items["commission"]),
        ("/api/v1/commission/queue/decisions", {"decision": "return", "ids": [items["pending"].id]}, items["pending"],
         items["commission"]),
    ]


def test_a_decision_refuses_a_field_it_does_not_take(api, db, items):
    for path, body, application, headers in decision_requests(items):
        before = events(db, application)
        answer = api.post_json(path, {**body, "comment": "材料不全", "extra": 1}, headers=headers, status=400)
        refused(answer, "extra", "unknown_field")
        assert events(db, application) == before


def test_a_decision_comment_has_a_maximum(api, db, items):
    for path, body, application, headers in decision_requests(items):
        before = events(db, application)
        for comment in ("意" * (COMMENT_MAX + 1), "x" * 5_000):
            answer = api.post_json(path, {**body, "comment": comment}, headers=headers, status=400)
            assert "意见" in refused(answer, "comment", "too_long")["fields"]["comment"]
        assert events(db, application) == before
    # At the maximum it is taken.
    path, body, application, headers = decision_requests(items)[0]
    done = api.post_json(path, {**body, "comment": "意" * COMMENT_MAX}, headers=headers).json
    assert done["status"] == "returned" and done["history"][-1]["comment"] == "意" * COMMENT_MAX


def test_the_decision_pages_refuse_a_comment_too_long_too(api, db, wsgi_app, items):
    form = page_session(wsgi_app, items["desk"].username).get(f"/institution/tasks/{items['waiting'].id}").forms["decision-form"]
    form["comment"] = "意" * (COMMENT_MAX + 1)
    answer = form.submit("decision", index=1, status=400)
    assert "意见不能超过" in answer.text
    assert events(db, items["waiting"]) == ("awaiting_institution", 1)


# --- a missing field is "required", whoever checks it ------------------------------------------------


@pytest.mark.parametrize(("path", "body", "fields"), [
    ("/api/v1/login", {}, {"username", "password"}),
    ("/api/v1/activate", {"username": "nobody"}, {"code"}),
    ("/api/v1/password-reset/request", {}, {"username"}),
    ("/api/v1/password-reset/confirm", {"code": "123456"}, {"username", "password"}),
])
def test_a_missing_field_is_coded_required_where_the_view_checks_it_by_hand(api, path, body, fields):
    """docs/api.md: `codes` says `required` of a field not given, for the bodies read through a request model and
    for those a view checks by hand alike."""
    error = api.post_json(path, body, status=400).json["error"]
    assert {name: error["codes"][name] for name in fields} == dict.fromkeys(fields, "required"), error
    assert all(error["fields"][name] == "必填" for name in fields)


def test_a_missing_query_parameter_is_coded_required(api, db):
    """The verification tools check their query by hand and refused a missing parameter as `invalid` (pipeline.errors
    gave every field without a code `invalid`, "必填" or not)."""
    desk = institution_desk(api, db, name=factories.unique_name("核验医院"))
    error = api.get("/api/v1/verify/physician-qualification", headers=desk.headers, status=400).json["error"]
    assert error["codes"] == {"certificate_no": "required", "name": "required"}
    error = api.get("/api/v1/verify/registration", headers=desk.headers, status=400).json["error"]
    assert error["codes"] == {"identifier": "required"}
