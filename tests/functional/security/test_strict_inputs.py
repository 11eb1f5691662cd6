"""Rule 6: a value of the wrong type or a field nobody asked for is refused, never stored as something else or
silently dropped — a 400 in the contract shape naming the field with a Chinese reason, and nothing changed."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pyotp
import pytest
from sqlalchemy import func, select

from models import Account, Application, ApplicationEvent, AuditEntry, Institution, OtherStaff, Person
from pipeline.applications import COMMENT_MAX
from pipeline.kinds import KINDS
from pipeline.search import MAX_SEARCH
from portal.services.accounts import enrol_totp
from tests import factories
from tests.functional.security.conftest import sms_to
from tests.institution_steps import setup_approval
from tests.journeys import (
    PASSWORD,
    account_of,
    commission_desk,
    first_registration,
    institution_desk,
    login,
    page_session,
    person_account,
    staff_account,
    unique_username,
    waiting_for_decisions,
)


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
    return waiting_for_decisions(api, db, settings)


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


# --- every JSON body: the fields /work/shared/api.md names are taken, any other is refused ----------------------
#
# The contract's field lists, as api.md writes them; each body below holds exactly those fields.
CONTRACT_FIELDS = {
    "login": ("username", "password"),
    "login with a second factor": ("username", "password", "otp"),
    "signup": ("profession", "name", "sex", "birth_date", "id_type", "id_number", "mobile", "password", "institution_id"),
    "activate": ("username", "code"),
    "applications": ("kind", "data"),
    "resubmit": ("data",),
    "profile": ("phone", "fax"),
    "counter": ("kind", "data"),
}


def with_extra(body: dict) -> dict:
    return {**body, "extra": 1}


def test_the_contract_fields_of_login_are_taken_and_no_other(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("登录医院"))
    body = {"username": desk.username, "password": PASSWORD}
    assert tuple(body) == CONTRACT_FIELDS["login"]
    refused(api.post_json("/api/v1/login", with_extra(body), status=400), "extra", "unknown_field")
    assert api.post_json("/api/v1/login", body).json["token"]
    # A staff account with a second factor sends its code as `otp`.
    username = unique_username("otp")
    staff = staff_account(db, "commission", username, division="110105")
    secret = enrol_totp(settings, staff)
    db.commit()
    body = {"username": username, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    assert tuple(body) == CONTRACT_FIELDS["login with a second factor"]
    refused(api.post_json("/api/v1/login", with_extra(body), status=400), "extra", "unknown_field")
    assert api.post_json("/api/v1/login", body).json["role"] == "commission"


def test_the_contract_fields_of_signup_and_activate_are_taken_and_no_other(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("注册医院"))
    birth = date(1988, 3, 9)
    body = {"profession": "physician", "name": factories.unique_name(), "sex": "男", "birth_date": birth.isoformat(),
            "id_type": "resident_id", "id_number": factories.resident_id(birth), "mobile": factories.unique_mobile(),
            "password": PASSWORD, "institution_id": desk.id}
    assert tuple(body) == CONTRACT_FIELDS["signup"]
    refused(api.post_json("/api/v1/signup", with_extra(body), status=400), "extra", "unknown_field")
    assert count(db, Person, Person.mobile == body["mobile"]) == 0
    assert api.post_json("/api/v1/signup", body, status=201).json["status"] == "pending_activation"
    account_id = account_of(api, body["id_number"])
    code = api.post_json(f"/api/v1/institution/accounts/{account_id}/activation-code", {}, headers=desk.headers).json["code"]
    activation = {"username": body["id_number"], "code": code}
    assert tuple(activation) == CONTRACT_FIELDS["activate"]
    refused(api.post_json("/api/v1/activate", with_extra(activation), status=400), "extra", "unknown_field")
    db.expire_all()
    assert db.get(Account, account_id).status == "pending_activation"
    api.post_json("/api/v1/activate", activation)
    db.expire_all()
    assert db.get(Account, account_id).status == "active"


def test_the_contract_fields_of_an_application_are_taken_and_no_other(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("申请医院"))
    person = person_account(db, settings, desk.id)
    db.commit()
    headers = login(api, person["mobile"])
    body = {"kind": "physician.first_registration", "data": first_registration(person["certificate_no"], desk.id)}
    assert tuple(body) == CONTRACT_FIELDS["applications"]
    mine = (Application.person_id == person["person_id"],)
    refused(api.post_json("/api/v1/applications", with_extra(body), headers=headers, status=400), "extra", "unknown_field")
    refused(api.post_json("/api/v1/applications", {**body, "data": with_extra(body["data"])}, headers=headers, status=400),
            "extra", "unknown_field")
    assert count(db, Application, *mine) == 0
    made = api.post_json("/api/v1/applications", body, headers=headers, status=201).json

    # Withdrawing takes no body, or a comment (说明); nothing else.
    refused(api.post_json(f"/api/v1/applications/{made['id']}/withdraw", {"extra": 1}, headers=headers, status=400),
            "extra", "unknown_field")
    db.expire_all()
    assert db.get(Application, made["id"]).status != "withdrawn"
    assert api.post_json(f"/api/v1/applications/{made['id']}/withdraw", {}, headers=headers).json["status"] == "withdrawn"

    # Resubmitting a returned application takes {"data"}.
    returned = factories.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"], "returned")
    db.commit()
    before = events(db, returned)
    again = {"data": first_registration(person["certificate_no"], desk.id)}
    assert tuple(again) == CONTRACT_FIELDS["resubmit"]
    path = f"/api/v1/applications/{returned.id}/resubmit"
    refused(api.post_json(path, with_extra(again), headers=headers, status=400), "extra", "unknown_field")
    refused(api.post_json(path, {"data": with_extra(again["data"])}, headers=headers, status=400), "extra", "unknown_field")
    assert events(db, returned) == before
    assert api.post_json(path, again, headers=headers).json["status"] != "returned"


def test_the_data_of_every_kind_refuses_a_field_it_does_not_take(api, db, settings):
    """Each kind's `data`, as its own applicant submits it and as a clerk enters it at the counter."""
    desk = institution_desk(api, db, name=factories.unique_name("种类医院"))
    physician, nurse = person_account(db, settings, desk.id), person_account(db, settings, desk.id)
    db.get(Person, nurse["person_id"]).profession = "nurse"
    db.commit()
    headers = {"physician": login(api, physician["mobile"]), "nurse": login(api, nurse["mobile"]), "institution": desk.headers}
    _, commission = commission_desk(api, db, "110105")
    before = count(db, Application)
    for name, kind in KINDS.items():
        body = {"kind": name, "data": {"extra": 1}}
        if not kind.counter:
            applicant = kind.profession if kind.submitted_by == "person" else "institution"
            answer = api.post_json("/api/v1/applications", body, headers=headers[applicant], status=400)
            refused(answer, "extra", "unknown_field")
        refused(api.post_json("/api/v1/commission/counter", body, headers=commission, status=400), "extra", "unknown_field")
        refused(api.post_json("/api/v1/commission/counter", with_extra({"kind": name, "data": {}}), headers=commission,
                              status=400), "extra", "unknown_field")
    assert count(db, Application) == before


def test_the_contract_fields_of_the_institution_profile_are_taken_and_no_other(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("资料医院"))
    body = {"phone": "010-87654321", "fax": "010-87654322"}
    assert tuple(body) == CONTRACT_FIELDS["profile"]
    refused(api.patch_json("/api/v1/institution/profile", with_extra(body), headers=desk.headers, status=400),
            "extra", "unknown_field")
    db.expire_all()
    assert db.get(Institution, desk.id).phone == "010-12345678"
    api.patch_json("/api/v1/institution/profile", body, headers=desk.headers)
    db.expire_all()
    assert (db.get(Institution, desk.id).phone, db.get(Institution, desk.id).fax) == ("010-87654321", "010-87654322")


def test_every_other_json_body_refuses_a_field_it_does_not_take(api, db, settings):
    """The account and desk requests the contract does not list, each with a body that is otherwise right."""
    desk = institution_desk(api, db, name=factories.unique_name("其余医院"))
    person = person_account(db, settings, desk.id)
    _, commission = commission_desk(api, db, "110105")
    admin = unique_username("admin")
    staff_account(db, "commission", admin, division="110105").admin = True
    db.commit()
    admin_headers = login(api, admin)
    mobile = factories.unique_mobile()
    requests = [
        ("post", "/api/v1/totp/enrol", {"password": PASSWORD}, commission),
        ("post", "/api/v1/totp/confirm", {"otp": "123456"}, commission),
        ("post", "/api/v1/password", {"old_password": PASSWORD, "new_password": "Another-2026x"}, desk.headers),
        ("post", "/api/v1/password-reset/request", {"username": person["mobile"]}, {}),
        ("post", "/api/v1/password-reset/confirm", {"username": person["mobile"], "code": "123456", "password": "Another-2026x"}, {}),
        ("put", "/api/v1/institution/scope-map", {"map": {"内科": ["内科专业"]}}, desk.headers),
        ("post", "/api/v1/commission/accounts", {"username": unique_username("new"), "password": PASSWORD}, admin_headers),
        ("post", f"/api/v1/commission/accounts/{desk.id}/password-reset", {"mobile": mobile}, admin_headers),
    ]
    audited = count(db, AuditEntry)
    for method, path, body, headers in requests:
        answer = getattr(api, f"{method}_json")(path, with_extra(body), headers=headers, status=400)
        refused(answer, "extra", "unknown_field")
    assert count(db, AuditEntry) == audited
    assert sms_to(settings, person["mobile"]) == [] and sms_to(settings, mobile) == []


def test_the_api_document_says_every_json_body_takes_no_other_field(api):
    document = api.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]

    def resolved(schema: dict) -> dict:
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    checked = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = resolved(body["schema"])
            for variant in [resolved(item) for item in schema.get("oneOf", [schema])]:
                assert variant.get("additionalProperties") is False, (method, path, variant.get("title"))
                data = resolved(variant["properties"].get("data", {}))
                if "properties" in data:  # a kind's data (a resubmission's is that of the kind it was submitted as)
                    assert data.get("additionalProperties") is False, (method, path, variant["title"])
            checked.append(path)
    assert {"/api/v1/login", "/api/v1/signup", "/api/v1/applications", "/api/v1/commission/counter"} <= set(checked)


# --- free text a person types has a limit that fits it ------------------------------------------------------------


def test_a_withdrawal_comment_has_the_decisions_maximum(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("撤回医院"))
    person = person_account(db, settings, desk.id)
    item = factories.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "awaiting_institution")
    db.commit()
    headers, path = login(api, person["mobile"]), f"/api/v1/applications/{item.id}/withdraw"
    before = events(db, item)
    for comment in ("撤" * (COMMENT_MAX + 1), "x" * 5_000):
        answer = api.post_json(path, {"comment": comment}, headers=headers, status=400)
        assert "说明不能超过500个字符" in refused(answer, "comment", "too_long")["fields"]["comment"]
    refused(api.post_json(path, {"comment": 5}, headers=headers, status=400), "comment", "type")
    assert events(db, item) == before
    done = api.post_json(path, {"comment": " " + "撤" * COMMENT_MAX + " "}, headers=headers).json
    assert done["status"] == "withdrawn" and done["history"][-1]["comment"] == "撤" * COMMENT_MAX


SEARCHES = [
    ("/api/v1/public/physicians", "name", "名称"),
    ("/api/v1/public/nurses", "institution", "执业机构"),
    ("/api/v1/public/institutions", "uscc", "统一社会信用代码"),
    ("/api/v1/public/institutions", "identifier", "电子化注册识别码"),
]


def test_a_search_string_has_a_maximum(api, db):
    for path, field, what in SEARCHES:
        answer = api.get(f"{path}?{urlencode({field: '张' * (MAX_SEARCH + 1)})}", status=400)
        assert f"{what}不能超过{MAX_SEARCH}个字符" in refused(answer, field, "too_long")["fields"][field]
        assert api.get(f"{path}?{urlencode({field: '张' * MAX_SEARCH})}").json["items"] == []
    desk = institution_desk(api, db, name=factories.unique_name("查询医院"))
    _, commission = commission_desk(api, db, "110105")
    for path, field, headers in (("/api/v1/verify/physician-qualification?certificate_no=20110000001&", "name", desk.headers),
                                 ("/api/v1/verify/physician-qualification?name=%E5%BC%A0%E4%B8%89&", "certificate_no", desk.headers),
                                 ("/api/v1/commission/accounts?", "q", commission)):
        answer = api.get(path + urlencode({field: "1" * (MAX_SEARCH + 1)}), headers=headers, status=400)
        refused(answer, field, "too_long")
    assert api.get(f"/api/v1/commission/accounts?q={'1' * MAX_SEARCH}", headers=commission).json["items"] == []


def test_the_public_search_page_says_a_search_string_is_too_long(wsgi_app):
    page = page_session(wsgi_app).get(f"/public?{urlencode({'kind': 'physicians', 'name': '张' * 500})}", status=400)
    assert f"名称不能超过{MAX_SEARCH}个字符" in page.text


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
