"""The nurse kinds on the real stack: first registration to the disclosure sites, change, re-registration,
renewal, cancellation, info change and the counter — each happy path and its refusals."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import NurseRegistration, PersonProfile
from pipeline import clock
from pipeline.identifiers import parse_identifier
from pipeline.registers.nurses import first_valid_until, renewed_until
from tests import factories
from tests.journeys import (
    PASSWORD,
    account_of,
    activate,
    commission_desk,
    institution_desk,
    login,
    person_account,
    wait_for,
    wait_status,
)
from tests.nurse_journeys import (
    JPEG,
    PNG,
    approve,
    confirm,
    entered_at_counter,
    nurse,
    photo_base64,
    registered,
    submit,
    through_pipeline,
)

pytestmark = pytest.mark.usefixtures("workers")


@pytest.fixture(scope="module")
def chaoyang(wsgi_app, settings):
    """An institution in Chaoyang with its desk, and the Chaoyang commission, shared by this module's tests."""
    from webtest import TestApp

    from models.db import session_factory

    api, session = TestApp(wsgi_app), session_factory(settings.database_url)()
    desk = institution_desk(api, session, name=factories.unique_name("护理医院"))
    _, commission = commission_desk(api, session, "110105")
    session.close()
    return desk, commission


def private_values(person: dict) -> list[str]:
    birth = date.fromisoformat(person["birth_date"])
    return [person["id_number"], person["mobile"], birth.isoformat(), f"{birth:%Y%m%d}"]


def test_first_registration_is_verified_against_the_exam_records_and_published(api, db, settings, receiver, chaoyang):
    desk, commission = chaoyang
    person = nurse(api, db, settings, desk.id)
    body = through_pipeline(api, desk, commission, person, "nurse.first_registration",
                            {"certificate_no": person["certificate_no"], "institution_id": desk.id, "department": "内科"})

    identifier = body["identifier"]
    assert parse_identifier(identifier)[:3] == ("nurse", "110105", clock.today().year)
    record = api.get(f"/api/v1/public/records/{identifier}").json
    assert {k: record[k] for k in ("kind", "name", "sex", "status", "department", "valid_until", "division")} == {
        "kind": "nurse", "name": person["name"], "sex": "女", "status": "registered", "department": "内科",
        "valid_until": first_valid_until(clock.today()).isoformat(), "division": "110105"}
    assert record["institutions"][0]["id"] == desk.id and record["registering_authority"]["division"] == "110105"
    found = api.get("/api/v1/public/nurses", {"name": person["name"]}).json["items"]
    assert [item["identifier"] for item in found] == [identifier]
    wait_for(lambda: identifier in receiver.held("national") and identifier in receiver.held("beijing"))
    for document in (record, found, receiver.held("national")[identifier]):
        text = json.dumps(document, ensure_ascii=False)
        assert not any(value in text for value in private_values(person))

    mine = api.get("/api/v1/me/registration", headers=person["headers"]).json
    assert mine["profession"] == "nurse" and mine["registration"]["identifier"] == identifier
    assert mine["registration"]["status"] == "registered" and mine["registration"]["department"] == "内科"
    assert [(e["event"], e["to"]) for e in mine["registration"]["history"]] == [("护士首次注册", "registered")]
    assert [h["kind"] for h in mine["history"]] == ["nurse.first_registration"]


def test_first_registration_refusals_say_why(api, db, settings, chaoyang):
    desk, _ = chaoyang
    suspended = institution_desk(api, db, name=factories.unique_name("停业医院"), status="suspended")
    wrong_exam, before_2008, closed = (nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id, passed_year=2005),
                                       nurse(api, db, settings, desk.id))
    other = nurse(api, db, settings, desk.id)
    submitted = {
        "wrong_exam": submit(api, wrong_exam, "nurse.first_registration",
                             {"certificate_no": other["certificate_no"], "institution_id": desk.id, "department": "外科"}),
        "before_2008": submit(api, before_2008, "nurse.first_registration",
                              {"certificate_no": before_2008["certificate_no"], "institution_id": desk.id, "department": "外科"}),
        "closed": submit(api, closed, "nurse.first_registration",
                         {"certificate_no": closed["certificate_no"], "institution_id": suspended.id, "department": "外科"}),
    }
    findings = {
        key: wait_status(api, person["headers"], submitted[key]["id"], "verification_failed")["findings"]
        for key, person in (("wrong_exam", wrong_exam), ("before_2008", before_2008), ("closed", closed))
    }
    assert findings["wrong_exam"] == ["护士执业资格考试记录中的姓名与申请人姓名不一致",
                                      "护士执业资格考试记录中的身份证件号码与申请人不一致"]
    assert findings["before_2008"] == ["2008年之前考试合格的护士，首次注册请到卫生健康行政部门窗口办理"]
    assert findings["closed"] == [f"执业机构“{suspended.institution.name}”已停业，不能办理注册"]

    # Bad input: a reason per field, nothing stored; a physician cannot submit a nurse kind.
    bad = submit(api, other, "nurse.first_registration", {"certificate_no": "", "institution_id": "x", "hobby": 1}, status=400)
    assert bad["error"]["fields"] == {"certificate_no": "必填", "institution_id": "执业机构编号应为正整数",
                                      "department": "必填", "hobby": "不支持的字段"}
    doctor = person_account(db, settings, desk.id)
    db.commit()
    doctor["headers"] = login(api, doctor["mobile"])
    refused = submit(api, doctor, "nurse.renewal", {}, status=403)
    assert "不适用于当前账号" in refused["error"]["message"]
    assert api.get("/api/v1/applications", headers=other["headers"]).json["items"] == []


def test_renewal_in_the_window_adds_five_years_outside_it_is_refused(api, db, settings, chaoyang):
    desk, commission = chaoyang
    due, early = nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id)
    due_until, early_until = clock.today() + timedelta(days=20), clock.today() + timedelta(days=200)
    registered(db, due, desk.id, valid_until=due_until)
    registered(db, early, desk.id, valid_until=early_until)

    too_early = submit(api, early, "nurse.renewal", {})["id"]
    body = through_pipeline(api, desk, commission, due, "nurse.renewal", {})
    assert body["identifier"] == due["identifier"]
    # The entry written above may still be in the session (expire_on_commit is off): read what the workers wrote.
    db.expire_all()
    entry = db.scalar(select(NurseRegistration).where(NurseRegistration.person_id == due["person_id"]))
    assert entry.valid_until == renewed_until(due_until) == due_until.replace(year=due_until.year + 5)
    record = api.get(f"/api/v1/public/records/{due['identifier']}").json
    assert record["valid_until"] == entry.valid_until.isoformat() and record["status"] == "registered"
    history = api.get("/api/v1/me/registration", headers=due["headers"]).json["registration"]["history"]
    assert history[-1]["event"] == "护士延续注册" and history[-1]["valid_until"] == entry.valid_until.isoformat()

    refused = wait_status(api, early["headers"], too_early, "verification_failed")
    opens = (early_until - timedelta(days=30)).isoformat()
    assert refused["findings"] == [f"延续注册应在有效期届满前30日内申请：有效期至{early_until.isoformat()}，可于{opens}起申请"]


def test_an_expired_registration_cannot_be_renewed_but_can_be_re_registered(api, db, settings, chaoyang):
    desk, commission = chaoyang
    lapsed = nurse(api, db, settings, desk.id)
    until = clock.today() - timedelta(days=3)
    registered(db, lapsed, desk.id, valid_until=until, status="expired")

    renewal = submit(api, lapsed, "nurse.renewal", {})["id"]
    refused = wait_status(api, lapsed["headers"], renewal, "verification_failed")
    assert refused["findings"] == [f"护士注册已过期（有效期至{until.isoformat()}），不能办理延续注册，请办理重新注册"]

    body = through_pipeline(api, desk, commission, lapsed, "nurse.re_registration", {"institution_id": desk.id, "department": "儿科"})
    assert body["identifier"] == lapsed["identifier"]  # the entry keeps its identifier
    mine = api.get("/api/v1/me/registration", headers=lapsed["headers"]).json["registration"]
    assert (mine["status"], mine["department"], mine["valid_until"]) == (
        "registered", "儿科", first_valid_until(clock.today()).isoformat())
    assert [(e["event"], e["from"], e["to"]) for e in mine["history"]][-1] == ("护士重新注册", "expired", "registered")

    # Re-registration of a registration still in force is refused.
    again = submit(api, lapsed, "nurse.re_registration", {"institution_id": desk.id, "department": "儿科"})["id"]
    assert wait_status(api, lapsed["headers"], again, "verification_failed")["findings"] == [
        "护士注册仍在有效期内，无需重新注册（可办理延续或变更注册）"]


def test_change_is_confirmed_by_the_new_institution_and_approved_by_its_commission(api, db, settings, chaoyang):
    desk, _ = chaoyang
    haidian = institution_desk(api, db, name=factories.unique_name("海淀医院"), division="110108")
    _, haidian_commission = commission_desk(api, db, "110108")
    person = nurse(api, db, settings, desk.id)
    registered(db, person, desk.id)

    application_id = submit(api, person, "nurse.change", {"institution_id": haidian.id, "department": "外科"})["id"]
    wait_status(api, person["headers"], application_id, "awaiting_institution")
    assert application_id not in [t["id"] for t in api.get("/api/v1/institution/tasks", headers=desk.headers).json["items"]]
    confirm(api, haidian, person, application_id)
    approve(api, haidian_commission, application_id)
    wait_status(api, person["headers"], application_id, "published")
    record = api.get(f"/api/v1/public/records/{person['identifier']}").json
    assert record["institutions"][0]["id"] == haidian.id and record["department"] == "外科"
    assert record["registering_authority"]["division"] == "110108"


def test_cancellation_by_the_nurse_is_confirmed_by_the_institution_by_the_institution_it_is_not(api, db, settings, chaoyang):
    desk, commission = chaoyang
    leaving, dismissed = nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id)
    registered(db, leaving, desk.id)
    registered(db, dismissed, desk.id)

    by_institution = api.post_json("/api/v1/applications", {"kind": "nurse.cancellation", "data": {
        "identifier": dismissed["identifier"], "reason": "受到刑事处罚"}}, headers=desk.headers, status=201).json["id"]
    approve(api, commission, by_institution)  # straight to the commission: no confirmation step
    body = through_pipeline(api, desk, commission, leaving, "nurse.cancellation", {"reason": "本人申请注销"})
    assert body["history"][3]["from"] == "awaiting_institution"
    wait_for(lambda: api.get(f"/api/v1/applications/{by_institution}", headers=desk.headers).json["status"] == "published")
    steps = [e["to"] for e in api.get(f"/api/v1/applications/{by_institution}", headers=desk.headers).json["history"]]
    assert "awaiting_institution" not in steps
    for person in (leaving, dismissed):
        assert api.get(f"/api/v1/public/records/{person['identifier']}").json["status"] == "cancelled"

    # The institution can only name its own nurses.
    stranger = nurse(api, db, settings, desk.id)
    other = institution_desk(api, db, name=factories.unique_name("别家医院"))
    registered(db, stranger, other.id)
    refused = api.post_json("/api/v1/applications", {"kind": "nurse.cancellation", "data": {
        "identifier": stranger["identifier"], "reason": "调离"}}, headers=desk.headers, status=400).json
    assert refused["error"]["fields"] == {"identifier": "本机构没有该电子化注册识别码的注册人员"}


def test_info_change_is_final_on_the_institutions_confirmation(api, db, settings, chaoyang):
    desk, _ = chaoyang
    person = nurse(api, db, settings, desk.id)
    registered(db, person, desk.id)

    bad = submit(api, person, "nurse.info_change", {"photo": photo_base64(b"GIF89a" + b"\x00" * 20), "title": "院长"}, status=400)
    assert bad["error"]["fields"] == {"photo": "照片只能是JPEG或PNG格式", "title": "职称应为以下之一：护士、护师、主管护师、副主任护师、主任护师"}
    big = submit(api, person, "nurse.info_change", {"photo": photo_base64(JPEG + b"\x00" * (2 * 1024 * 1024))}, status=400)
    assert big["error"]["fields"] == {"photo": "照片不能超过2MB"}
    assert submit(api, person, "nurse.info_change", {}, status=400)["error"]["fields"] == {
        "data": "请至少填写一项要变更的信息：照片、学历、毕业学校、职称或工作科室"}

    application_id = submit(api, person, "nurse.info_change", {
        "photo": "data:image/png;base64," + photo_base64(PNG), "education": "本科", "school": "北京护理学院",
        "title": "护师", "department": "急诊科"})["id"]
    assert confirm(api, desk, person, application_id)["status"] == "approved"
    body = wait_status(api, person["headers"], application_id, "published")
    assert not any(e["actor"].startswith("卫健委") for e in body["history"])
    db.expire_all()
    profile = db.get(PersonProfile, person["person_id"])
    assert (profile.photo, profile.photo_type, profile.education, profile.school, profile.title) == (
        PNG, "image/png", "本科", "北京护理学院", "护师")
    assert api.get(f"/api/v1/public/records/{person['identifier']}").json["department"] == "急诊科"
    assert api.get("/api/v1/me/registration", headers=person["headers"]).json["profile"]["has_photo"] is True


def test_counter_registers_a_nurse_who_passed_before_2008(api, db, settings, chaoyang):
    desk, commission = chaoyang
    birth = date(1975, 2, 3)
    data = {"name": factories.unique_name("王"), "sex": "女", "birth_date": birth.isoformat(), "id_type": "resident_id",
            "id_number": factories.resident_id(birth, sex="女"), "mobile": factories.unique_mobile(),
            "certificate_no": "N1998000123", "passed_year": 1998, "institution_id": desk.id, "department": "内科"}
    entered = api.post_json("/api/v1/commission/counter", {"kind": "nurse.pre2008_first_registration", "data": data},
                            headers=commission, status=201).json
    assert entered["status"] == "approved" and "id_number" not in entered["data"]
    body = wait_for(lambda: (lambda b: b if b["status"] == "published" else None)(
        api.get(f"/api/v1/commission/queue/{entered['id']}", headers=commission).json))
    assert body["identifier"].startswith("N110105")
    record = api.get(f"/api/v1/public/records/{body['identifier']}").json
    assert record["name"] == data["name"] and data["id_number"] not in json.dumps(record)

    again = api.post_json("/api/v1/commission/counter", {"kind": "nurse.pre2008_first_registration", "data": data},
                          headers=commission, status=409).json
    assert "已有注册记录" in again["error"]["message"]
    late = api.post_json("/api/v1/commission/counter", {"kind": "nurse.pre2008_first_registration",
                                                        "data": {**data, "passed_year": 2012, "mobile": "123"}},
                         headers=commission, status=400).json
    assert set(late["error"]["fields"]) == {"passed_year", "mobile"}
    _, shanghai = commission_desk(api, db, "310104")
    outside = api.post_json("/api/v1/commission/counter", {"kind": "nurse.pre2008_first_registration", "data": {
        **data, "id_number": factories.resident_id(birth, sex="女"), "certificate_no": "N1999000777"}},
        headers=shanghai, status=400).json
    assert outside["error"]["fields"] == {"institution_id": "执业机构不存在或不在本卫健委辖区内"}
    # Any other kind is entered for a named person: without one it is refused, naming what to fill in.
    online = api.post_json("/api/v1/commission/counter", {"kind": "nurse.renewal", "data": {}}, headers=commission, status=400).json
    assert set(online["error"]["fields"]) == {"id_type", "id_number", "name"}


def test_a_nurse_entered_at_the_counter_signs_up_and_then_does_business_online(api, db, settings, chaoyang):
    """Someone the counter registered has no account: they sign up (matched to their register entry), their
    institution activates the account, and they take their business on line — here a change of department."""
    desk, commission = chaoyang
    data = entered_at_counter(api, desk.id, commission, date(1972, 5, 6))

    signup = {"profession": "nurse", "name": data["name"], "sex": "女", "birth_date": data["birth_date"],
              "id_type": "resident_id", "id_number": data["id_number"], "mobile": factories.unique_mobile(),
              "password": PASSWORD, "institution_id": desk.id}
    mismatched = api.post_json("/api/v1/signup", {**signup, "name": "冒名者"}, status=400).json
    assert set(mismatched["error"]["fields"]) == {"name"}
    elsewhere = institution_desk(api, db, division="110105")
    wrong_place = api.post_json("/api/v1/signup", {**signup, "institution_id": elsewhere.id}, status=400).json
    assert desk.institution.name in wrong_place["error"]["fields"]["institution_id"]
    api.post_json("/api/v1/signup", signup, status=201)
    person = {**signup, "account_id": account_of(api, signup["id_number"])}
    activate(api, desk.headers, person)
    headers = login(api, signup["id_number"])
    mine = api.get("/api/v1/me/registration", headers=headers).json
    assert mine["registration"]["institution"]["id"] == desk.id and mine["registration"]["status"] == "registered"
    # Signing up again answers like the first time (nothing says the ID number is taken); no second account is made.
    assert api.post_json("/api/v1/signup", signup, status=201).json["status"] == "pending_activation"
    assert account_of(api, signup["id_number"]) == person["account_id"]

    change = api.post_json("/api/v1/applications", {"kind": "nurse.change", "data": {"institution_id": desk.id, "department": "急诊科"}},
                           headers=headers, status=201).json
    assert wait_status(api, headers, change["id"], "awaiting_institution")["findings"] == []


def test_a_nurse_first_registered_elsewhere_than_where_she_signed_up_belongs_to_that_institution_after(api, db, settings, chaoyang):
    """She signed up naming one institution and registered at another (in another district): that one and its commission
    see her as theirs — her account among its staff's, her ID number to its commission — and the first no longer."""
    desk, commission = chaoyang
    haidian = institution_desk(api, db, name=factories.unique_name("海淀医院"), division="110108")
    _, haidian_commission = commission_desk(api, db, "110108")
    person = nurse(api, db, settings, desk.id)
    through_pipeline(api, haidian, haidian_commission, person, "nurse.first_registration",
                     {"certificate_no": person["certificate_no"], "institution_id": haidian.id, "department": "内科"})

    def accounts_of(institution) -> list[int]:
        return [item["id"] for item in api.get("/api/v1/institution/accounts", {"status": "active"}, headers=institution.headers).json["items"]]

    assert person["account_id"] in accounts_of(haidian) and person["account_id"] not in accounts_of(desk)

    def persons_found_by(headers) -> list[str]:
        return [item["name"] for item in api.get("/api/v1/commission/search", {"q": person["name"]}, headers=headers).json["persons"]]

    assert persons_found_by(haidian_commission) == [person["name"]] and persons_found_by(commission) == []
