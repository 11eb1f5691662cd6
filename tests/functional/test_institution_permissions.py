"""Every endpoint of the institution end × every role: the right role gets in, every other role is turned away,
and an institution never sees another's staff, business, batches or history."""
from __future__ import annotations

import pytest

from models import OtherStaff
from tests.journeys import commission_desk, institution_desk, login, person_account

OK = "ok"
# (method, path, body, expected status per role: anonymous, person, institution, commission)
INSTITUTION_ONLY = {"anonymous": 401, "person": 403, "institution": OK, "commission": 403}
COMMISSION_ONLY = {"anonymous": 401, "person": 403, "institution": 403, "commission": OK}
ANY_LOGGED_IN = {"anonymous": 401, "person": OK, "institution": OK, "commission": OK}

ENDPOINTS = [
    ("GET", "/api/v1/institution/profile", None, INSTITUTION_ONLY),
    ("PATCH", "/api/v1/institution/profile", {"phone": "010-88886666"}, INSTITUTION_ONLY),
    ("GET", "/api/v1/institution/history", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/institution/staff?profession=other", None, INSTITUTION_ONLY),
    ("POST", "/api/v1/institution/staff", {"name": "赵护工", "sex": "女", "post": "护工"}, INSTITUTION_ONLY),
    ("PATCH", "/api/v1/institution/staff/{staff}", {"title": "主管"}, INSTITUTION_ONLY),
    ("DELETE", "/api/v1/institution/staff/{staff}", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/institution/scope-map", None, INSTITUTION_ONLY),
    ("PUT", "/api/v1/institution/scope-map", {"map": {"内科": ["内科专业"]}}, INSTITUTION_ONLY),
    ("PUT", "/api/v1/institution/webhook", {"url": "http://127.0.0.1:9/x", "secret": "s" * 20}, INSTITUTION_ONLY),
    ("DELETE", "/api/v1/institution/webhook", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/institution/batches", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/institution/batches/999999", None, {**INSTITUTION_ONLY, "institution": 404}),
    ("GET", "/api/v1/institution/tasks?profession=nurse", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/institution/accounts?profession=physician", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/verify/physician-qualification?certificate_no=x&name=y", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/verify/registration?identifier=D11010520260000001O", None, INSTITUTION_ONLY),
    ("GET", "/api/v1/verify/institutions?name=x", None, INSTITUTION_ONLY),
    ("POST", "/api/v1/commission/institutions", {}, {**COMMISSION_ONLY, "commission": 400}),
    ("GET", "/api/v1/commission/follow-ups", None, COMMISSION_ONLY),
    ("POST", "/api/v1/password", {}, {**ANY_LOGGED_IN, "person": 400, "institution": 400, "commission": 400}),
]


@pytest.fixture(scope="module")
def parties(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    desk, other = institution_desk(api, session), institution_desk(api, session)
    person = person_account(session, settings, desk.id)
    session.commit()
    _, commission = commission_desk(api, session)
    yield {"desk": desk, "other": other, "session": session,
           "headers": {"anonymous": {}, "person": login(api, person["mobile"]), "institution": desk.headers, "commission": commission}}
    session.close()


def call(api, method: str, path: str, body, headers: dict, status="*"):
    if method == "GET":
        return api.get(path, headers=headers, status=status)
    if method == "DELETE":
        return api.delete(path, headers=headers, status=status)
    return getattr(api, f"{method.lower()}_json")(path, body, headers=headers, status=status)


@pytest.mark.parametrize("method,path,body,expected", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_each_role_gets_what_it_may_and_nothing_else(api, parties, method, path, body, expected):
    session = parties["session"]
    staff = OtherStaff(institution_id=parties["desk"].id, name="钱保洁", sex="男", post="保洁")
    session.add(staff)
    session.commit()
    path = path.format(staff=staff.id)
    for role, want in expected.items():
        answer = call(api, method, path, body, parties["headers"][role])
        if want == OK:
            assert answer.status_int in (200, 201, 202), (role, answer.status_int, answer.text)
        else:
            assert answer.status_int == want, (role, answer.status_int, answer.text)
        if answer.status_int >= 400:
            assert "error" in answer.json


def test_an_institution_never_sees_another_institutions_staff_or_history(api, parties):
    session, desk, other = parties["session"], parties["desk"], parties["other"]
    staff = OtherStaff(institution_id=desk.id, name="孙药师", sex="女", post="药师")
    session.add(staff)
    session.commit()
    api.patch_json(f"/api/v1/institution/staff/{staff.id}", {"title": "主任"}, headers=other.headers, status=404)
    api.delete(f"/api/v1/institution/staff/{staff.id}", headers=other.headers, status=404)
    listed = api.get("/api/v1/institution/staff?profession=other", headers=other.headers).json["items"]
    assert staff.id not in [item["id"] for item in listed]
    api.patch_json("/api/v1/institution/profile", {"phone": "010-66661111"}, headers=desk.headers)
    assert not any("010-66661111" in e["text"] for e in api.get("/api/v1/institution/history", headers=other.headers).json["events"])
    assert api.get("/api/v1/institution/profile", headers=other.headers).json["id"] == other.id


def test_bad_input_names_the_field_and_changes_nothing(api, parties):
    desk = parties["desk"]
    before = api.get("/api/v1/institution/profile", headers=desk.headers).json
    for body, field in (({"name": "改名医院"}, "name"), ({"phone": "电话"}, "phone"), ({}, "body")):
        answer = api.patch_json("/api/v1/institution/profile", body, headers=desk.headers, status=400)
        assert field in answer.json["error"]["fields"]
    assert api.get("/api/v1/institution/profile", headers=desk.headers).json == before
    for query, field in (("profession=robot", "profession"),):
        assert field in api.get(f"/api/v1/institution/staff?{query}", headers=desk.headers, status=400).json["error"]["fields"]
    for body, field in (({"map": {"火星科": ["内科专业"]}}, "map.火星科"), ({"map": {"内科": ["火星专业"]}}, "map.内科"), ({}, "map")):
        assert field in api.put_json("/api/v1/institution/scope-map", body, headers=desk.headers, status=400).json["error"]["fields"]
    assert "sex" in api.post_json("/api/v1/institution/staff", {"name": "李某某", "sex": "x", "post": "护工"}, headers=desk.headers,
                                  status=400).json["error"]["fields"]
    for query, field in (("kind=nonsense", "kind"), ("status=nonsense", "status"), ("profession=robot", "profession")):
        assert field in api.get(f"/api/v1/institution/tasks?{query}", headers=desk.headers, status=400).json["error"]["fields"]
    assert {"certificate_no", "name"} <= set(api.get("/api/v1/verify/physician-qualification", headers=desk.headers,
                                                     status=400).json["error"]["fields"])
