"""Physician first registration 医师首次注册 on the real stack: the happy path and every way it can go wrong."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Account, Application, Delivery, OutboxMessage, Person, PhysicianRegistration, PublicRecord, PublicVersion
from pipeline import clock
from pipeline.identifiers import is_valid_identifier, parse_identifier
from tests import factories
from tests.journeys import (
    PASSWORD,
    active_physician,
    commission_desk,
    institution_desk,
    login,
    physician_signup,
    submit_first_registration,
    wait_for,
    wait_routed,
    wait_status,
)

pytestmark = pytest.mark.usefixtures("workers")


def history_of(body: dict) -> list[tuple]:
    return [(event["actor"], event["from"], event["to"], event["comment"]) for event in body["history"]]


def private_values(person: dict) -> list[str]:
    """What a public record must never carry: the ID number, the mobile, the birth date (in any spelling)."""
    birth = date.fromisoformat(person["birth_date"])
    return [person["id_number"], person["mobile"], birth.isoformat(), f"{birth:%Y%m%d}", f"{birth:%Y年%-m月%-d日}"]


def assert_private_data_absent(person: dict, *documents: object) -> None:
    for document in documents:
        text = json.dumps(document, ensure_ascii=False)
        for value in private_values(person):
            assert value not in text, f"{value} leaked into {text[:200]}"


def test_first_registration_from_signup_to_disclosure_sites(api, db, settings, receiver):
    desk = institution_desk(api, db, name=factories.unique_name("朝阳医院"))
    approver, commission = commission_desk(api, db, "110105")
    refused_before = len(receiver.store.refused)

    person = physician_signup(api, desk.id, name=factories.unique_name())
    assert person["status"] == "pending_activation"
    person["certificate_no"] = factories.qualification(db, settings, person["name"], person["id_number"])
    db.commit()
    code = api.post_json(f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=desk.headers).json["code"]
    assert api.post_json("/api/v1/activate", {"username": person["id_number"], "code": code}).json["status"] == "active"
    person["headers"] = login(api, person["mobile"])

    answer = submit_first_registration(api, person, desk.id)
    assert answer["status"] == "submitted"
    app_id = answer["id"]
    wait_status(api, person["headers"], app_id, "awaiting_institution")
    assert app_id in [item["id"] for item in api.get("/api/v1/institution/tasks", headers=desk.headers).json["items"]]
    confirmed = api.post_json(f"/api/v1/institution/tasks/{app_id}", {"decision": "confirm", "comment": "资料齐全"}, headers=desk.headers)
    assert confirmed.json["status"] == "pending_approval"
    wait_routed(api, commission, app_id)
    approved = api.post_json(f"/api/v1/commission/queue/{app_id}", {"decision": "approve", "comment": "同意注册"}, headers=commission)
    assert approved.json["status"] == "approved"
    body = wait_status(api, person["headers"], app_id, "published")

    identifier = body["identifier"]
    assert is_valid_identifier(identifier)
    assert parse_identifier(identifier)[:3] == ("physician", "110105", clock.today().year)
    assert history_of(body) == [
        (f"申请人 {person['name']}", None, "submitted", "提交申请"),
        ("核验服务", "submitted", "verifying", ""),
        ("核验服务", "verifying", "awaiting_institution", "核验通过，待机构确认"),
        (f"机构 {desk.institution.name}", "awaiting_institution", "pending_approval", "资料齐全"),
        ("分派服务", "pending_approval", "pending_approval", "已分派至朝阳区卫生健康委员会审批"),
        ("朝阳区卫生健康委员会", "pending_approval", "approved", "同意注册"),
        ("国家赋码服务", "approved", "issued", f"电子化注册识别码 {identifier}"),
        ("公示服务", "issued", "published", "已发布公示记录，各公示渠道随后推送"),
    ]
    # The commission by its name, never the approver's login name (the applicant reads this history).
    assert not any(approver in event["actor"] for event in body["history"])
    # Every moment is Beijing time with its offset (docs/api.md), whatever zone the database answers in.
    moments = [body["submitted_at"], body["updated_at"], *(event["at"] for event in body["history"])]
    assert all(moment.endswith("+08:00") for moment in moments), moments
    assert abs(datetime.fromisoformat(body["history"][0]["at"]) - datetime.fromisoformat(body["submitted_at"])) < timedelta(seconds=5)
    assert abs(datetime.fromisoformat(body["updated_at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    # The institution and the commission read the same history.
    assert history_of(api.get(f"/api/v1/applications/{app_id}", headers=desk.headers).json) == history_of(body)
    assert history_of(api.get(f"/api/v1/commission/queue/{app_id}", headers=commission).json) == history_of(body)

    found = api.get("/api/v1/public/physicians", {"name": person["name"]}).json["items"]
    assert [(r["identifier"], r["kind"], r["name"], r["status"], r["version"], r["division"]) for r in found] == [
        (identifier, "physician", person["name"], "registered", 1, "110105")
    ]
    assert found[0]["institutions"][0]["id"] == desk.id
    record = api.get(f"/api/v1/public/records/{identifier}").json
    assert record == found[0]
    assert record["practice_scopes"] == ["内科专业"] and record["registering_authority"]["division"] == "110105"
    fhir = api.get(f"/api/v1/public/records/{identifier}", {"format": "fhir"}).json
    assert fhir["resourceType"] == "Bundle"
    assert fhir["entry"][0]["resource"]["resourceType"] == "Practitioner"
    assert fhir["entry"][0]["resource"]["identifier"][0]["value"] == identifier

    mine = api.get("/api/v1/me/registration", headers=person["headers"]).json
    assert mine["registration"]["identifier"] == identifier and mine["registration"]["status"] == "registered"
    # Registered since the day of the registration, as its public record says.
    assert mine["registration"]["status_since"] == record["status_since"] == mine["registration"]["registered_on"]

    # Pushed to the national ("") and Beijing ("11") channels, signed (the receiver refuses a bad signature),
    # with the record's headers; Shanghai ("31") gets no delivery at all.
    wait_for(lambda: identifier in receiver.held("national") and identifier in receiver.held("beijing"))
    accepted = [(channel, version) for channel, ident, version in receiver.store.accepted if ident == identifier]
    assert sorted(set(accepted)) == [("beijing", 1), ("national", 1)]
    assert len(receiver.store.refused) == refused_before
    pushed = [receiver.held(channel)[identifier] for channel in ("national", "beijing")]
    for held in pushed:
        assert {k: v for k, v in held.items() if k != "_version"} == record and held["_version"] == 1
    version_id = db.scalar(select(PublicVersion.id).where(PublicVersion.identifier == identifier))
    wait_for(lambda: db.rollback() or all(
        d.status == "delivered" for d in db.scalars(select(Delivery).where(Delivery.version_id == version_id))
    ))
    assert sorted(db.scalars(select(Delivery.channel).where(Delivery.version_id == version_id))) == ["beijing", "national"]
    assert identifier not in receiver.held("shanghai")

    assert_private_data_absent(person, record, fhir, found, *pushed)


@pytest.mark.parametrize(
    "case",
    ["wrong_certificate", "name_mismatch", "scope_outside_departments", "institution_without_identifier", "institution_suspended"],
)
def test_verification_failure_gives_reasons(api, db, settings, case):
    desk = institution_desk(api, db, departments=("内科",))
    person = active_physician(api, db, settings, desk)
    target, data, expected = desk.id, {}, ""
    if case == "wrong_certificate":
        data = {"certificate_no": "2011999999999999"}
        expected = "未找到证书编号为2011999999999999的医师资格记录"
    elif case == "name_mismatch":
        data = {"certificate_no": factories.qualification(db, settings, factories.unique_name("李"), person["id_number"])}
        expected = "医师资格记录中的姓名与申请人姓名不一致"
    elif case == "scope_outside_departments":
        data = {"practice_scope": "外科专业"}
        expected = f"执业范围“外科专业”不在执业机构“{desk.institution.name}”诊疗科目对应的执业范围内"
    elif case == "institution_without_identifier":
        other = factories.institution(db, name=factories.unique_name("无码医院"), with_identifier=False)
        target, expected = other.id, f"执业机构“{other.name}”尚未取得电子化注册识别码"
    elif case == "institution_suspended":
        other = factories.institution(db, name=factories.unique_name("停业医院"), status="suspended")
        target, expected = other.id, f"执业机构“{other.name}”已停业，不能办理注册"
    db.commit()

    app_id = submit_first_registration(api, person, target, **data)["id"]
    body = wait_status(api, person["headers"], app_id, "verification_failed", "awaiting_institution")

    assert body["status"] == "verification_failed"
    assert body["findings"] == [expected]
    last = body["history"][-1]
    assert (last["actor"], last["from"], last["to"], last["comment"]) == ("核验服务", "verifying", "verification_failed", expected)
    # A failed application is closed: the applicant may apply again.
    submit_first_registration(api, person, desk.id)


def test_institution_returns_and_applicant_resubmits_corrected_data(api, db, settings):
    desk = institution_desk(api, db, departments=("内科", "儿科"))
    _, commission = commission_desk(api, db, "110105")
    person = active_physician(api, db, settings, desk)
    app_id = submit_first_registration(api, person, desk.id)["id"]
    wait_status(api, person["headers"], app_id, "awaiting_institution")

    refused = api.post_json(f"/api/v1/institution/tasks/{app_id}", {"decision": "return"}, headers=desk.headers, status=400)
    assert "comment" in refused.json["error"]["fields"]
    assert api.get(f"/api/v1/applications/{app_id}", headers=person["headers"]).json["status"] == "awaiting_institution"
    returned = api.post_json(
        f"/api/v1/institution/tasks/{app_id}", {"decision": "return", "comment": "本院执业范围应为儿科专业"}, headers=desk.headers
    ).json
    assert returned["status"] == "returned"
    assert returned["history"][-1]["comment"] == "本院执业范围应为儿科专业"

    bad = api.post_json(f"/api/v1/applications/{app_id}/resubmit", {"data": {"practice_scope": "儿科专业"}},
                        headers=person["headers"], status=400)
    assert "certificate_no" in bad.json["error"]["fields"]
    corrected = {"certificate_no": person["certificate_no"], "practice_category": "临床", "practice_scope": "儿科专业",
                 "institution_id": desk.id}
    again = api.post_json(f"/api/v1/applications/{app_id}/resubmit", {"data": corrected}, headers=person["headers"]).json
    assert again["status"] == "submitted" and again["data"]["practice_scope"] == ["儿科专业"]
    api.post_json(f"/api/v1/applications/{app_id}/resubmit", {"data": corrected}, headers=person["headers"], status=409)

    wait_status(api, person["headers"], app_id, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{app_id}", {"decision": "confirm"}, headers=desk.headers)
    wait_routed(api, commission, app_id)
    api.post_json(f"/api/v1/commission/queue/{app_id}", {"decision": "approve"}, headers=commission)
    body = wait_status(api, person["headers"], app_id, "published")
    assert api.get(f"/api/v1/public/records/{body['identifier']}").json["practice_scopes"] == ["儿科专业"]
    assert [event["to"] for event in body["history"]].count("submitted") == 2


def test_commission_rejects_with_a_reason_and_nothing_is_registered(api, db, settings):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    person = active_physician(api, db, settings, desk)
    app_id = submit_first_registration(api, person, desk.id)["id"]
    wait_status(api, person["headers"], app_id, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{app_id}", {"decision": "confirm"}, headers=desk.headers)
    wait_routed(api, commission, app_id)

    refused = api.post_json(f"/api/v1/commission/queue/{app_id}", {"decision": "reject"}, headers=commission, status=400)
    assert "comment" in refused.json["error"]["fields"]
    rejected = api.post_json(
        f"/api/v1/commission/queue/{app_id}", {"decision": "reject", "comment": "执业机构证明材料不全"}, headers=commission
    ).json
    assert rejected["status"] == "rejected"
    last = rejected["history"][-1]
    assert (last["from"], last["to"], last["comment"]) == ("pending_approval", "rejected", "执业机构证明材料不全")

    body = api.get(f"/api/v1/applications/{app_id}", headers=person["headers"]).json
    assert body["status"] == "rejected" and body["identifier"] is None
    assert api.get("/api/v1/me/registration", headers=person["headers"]).json["registration"] is None
    assert db.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == db.get(Application, app_id).person_id)) is None
    assert api.get("/api/v1/public/physicians", {"name": person["name"]}).json["items"] == []
    assert db.scalar(select(func.count()).select_from(PublicRecord).where(PublicRecord.name == person["name"])) == 0
    api.post_json(f"/api/v1/commission/queue/{app_id}", {"decision": "approve"}, headers=commission, status=409)


def test_applicant_withdraws_before_approval_but_not_after(api, db, settings):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    person = active_physician(api, db, settings, desk)
    first = submit_first_registration(api, person, desk.id)["id"]
    wait_status(api, person["headers"], first, "awaiting_institution")
    withdrawn = api.post_json(f"/api/v1/applications/{first}/withdraw", {"comment": "信息填错，撤回"}, headers=person["headers"]).json
    assert withdrawn["status"] == "withdrawn"
    last = withdrawn["history"][-1]
    assert (last["actor"], last["from"], last["to"], last["comment"]) == (
        f"申请人 {person['name']}", "awaiting_institution", "withdrawn", "信息填错，撤回"
    )
    api.post_json(f"/api/v1/institution/tasks/{first}", {"decision": "confirm"}, headers=desk.headers, status=409)

    second = submit_first_registration(api, person, desk.id)["id"]
    wait_status(api, person["headers"], second, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{second}", {"decision": "confirm"}, headers=desk.headers)
    wait_routed(api, commission, second)
    api.post_json(f"/api/v1/commission/queue/{second}", {"decision": "approve"}, headers=commission)
    refused = api.post_json(f"/api/v1/applications/{second}/withdraw", {}, headers=person["headers"], status=409)
    assert refused.json["error"]["code"] == "conflict"
    body = wait_status(api, person["headers"], second, "published")
    assert "withdrawn" not in [event["to"] for event in body["history"]]


def test_second_open_application_of_the_same_kind_is_refused(api, db, settings):
    desk = institution_desk(api, db)
    person = active_physician(api, db, settings, desk)
    first = submit_first_registration(api, person, desk.id)["id"]
    person_id = db.get(Application, first).person_id
    count = db.scalar(select(func.count()).select_from(Application).where(Application.person_id == person_id))

    refused = submit_first_registration(api, person, desk.id, status=409)
    assert refused["error"]["code"] == "conflict" and "重复" in refused["error"]["message"]
    wait_status(api, person["headers"], first, "awaiting_institution")
    submit_first_registration(api, person, desk.id, status=409)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Application).where(Application.person_id == person_id)) == count


def row_counts(db) -> tuple[int, ...]:
    db.rollback()
    return (
        db.scalar(select(func.count()).select_from(Person)),
        db.scalar(select(func.count()).select_from(Account)),
        db.scalar(select(func.count()).select_from(Application)),
        db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.task == "workers.verification.verify")),
    )


def signup_body(desk_id: int) -> dict:
    birth = date(1990, 1, 2)
    return {"profession": "physician", "name": factories.unique_name(), "sex": "男", "birth_date": birth.isoformat(),
            "id_type": "resident_id", "id_number": factories.resident_id(birth), "mobile": factories.unique_mobile(),
            "password": PASSWORD, "institution_id": desk_id}


def test_bad_input_is_refused_with_the_field_named_and_nothing_written(api, db, settings):
    desk = institution_desk(api, db)
    person = active_physician(api, db, settings, desk)
    unknown = factories.institution(db, name=factories.unique_name("无码医院"), with_identifier=False)
    db.commit()
    valid = signup_body(desk.id)
    bad_signups = [
        ({**valid, "name": ""}, "name"),
        ({k: v for k, v in valid.items() if k != "sex"}, "sex"),
        ({**valid, "id_number": valid["id_number"][:-1] + ("0" if valid["id_number"][-1] != "0" else "1")}, "id_number"),
        ({**valid, "birth_date": "1990-01-03"}, "id_number"),
        ({**valid, "birth_date": "1990-02-30"}, "birth_date"),
        ({**valid, "mobile": "12345"}, "mobile"),
        ({**valid, "password": "short"}, "password"),
        ({**valid, "profession": "dentist"}, "profession"),
        ({**valid, "institution_id": "abc"}, "institution_id"),
        ({**valid, "institution_id": unknown.id}, "institution_id"),
        ({**valid, "institution_id": 10**9}, "institution_id"),
    ]
    good_data = {"certificate_no": person["certificate_no"], "practice_category": "临床", "practice_scope": "内科专业",
                 "institution_id": desk.id}
    bad_applications = [
        ({"kind": "", "data": good_data}, "kind"),
        ({"kind": "physician.no_such_kind", "data": good_data}, "kind"),
        ({"kind": "physician.first_registration", "data": "不是对象"}, "data"),
        ({"kind": "physician.first_registration", "data": {**good_data, "certificate_no": ""}}, "certificate_no"),
        ({"kind": "physician.first_registration", "data": {**good_data, "practice_category": "兽医"}}, "practice_category"),
        ({"kind": "physician.first_registration", "data": {**good_data, "practice_scope": "不存在专业"}}, "practice_scope"),
        ({"kind": "physician.first_registration", "data": {**good_data, "practice_scope": "口腔专业"}}, "practice_scope"),
        ({"kind": "physician.first_registration", "data": {**good_data, "institution_id": -3}}, "institution_id"),
        ({"kind": "physician.first_registration", "data": {**good_data, "mobile": "13900000000"}}, "mobile"),
    ]
    before = row_counts(db)
    for body, field in bad_signups:
        answer = api.post_json("/api/v1/signup", body, status=400).json["error"]
        assert answer["code"] == "invalid" and field in answer["fields"], (body, answer)
    for body, field in bad_applications:
        answer = api.post_json("/api/v1/applications", body, headers=person["headers"], status=400).json["error"]
        assert answer["code"] == "invalid" and field in answer["fields"], (body, answer)
    for path in ("/api/v1/signup", "/api/v1/applications"):
        answer = api.post(path, "{not json", headers={**person["headers"], "Content-Type": "application/json"}, status=400)
        assert "body" in answer.json["error"]["fields"]
    assert row_counts(db) == before


def test_activation_codes_and_login_before_activation(api, db, settings):
    desk = institution_desk(api, db)
    other = institution_desk(api, db)
    person = physician_signup(api, desk.id, name=factories.unique_name())

    refused = api.post_json("/api/v1/login", {"username": person["mobile"], "password": PASSWORD}, status=403).json
    assert refused["error"]["code"] == "not_activated"
    api.post_json(f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=other.headers, status=404)
    pending = api.get("/api/v1/institution/accounts", headers=desk.headers).json["items"]
    assert person["account_id"] in [item["id"] for item in pending]
    assert person["account_id"] not in [item["id"] for item in api.get("/api/v1/institution/accounts", headers=other.headers).json["items"]]

    code = api.post_json(f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=desk.headers).json["code"]
    wrong = "000000" if code != "000000" else "111111"
    answer = api.post_json("/api/v1/activate", {"username": person["id_number"], "code": wrong}, status=400).json
    assert "code" in answer["error"]["fields"]
    api.post_json("/api/v1/activate", {"username": person["id_number"]}, status=400)
    api.post_json("/api/v1/login", {"username": person["id_number"], "password": PASSWORD}, status=403)

    assert api.post_json("/api/v1/activate", {"username": person["id_number"], "code": code}).json["status"] == "active"
    api.post_json("/api/v1/activate", {"username": person["id_number"], "code": code}, status=400)  # like any wrong code
    login(api, person["id_number"])
    login(api, person["mobile"])
    api.post_json(f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=desk.headers, status=409)
