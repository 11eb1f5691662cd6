"""The physician business after the first registration, on the real stack: change of institution, multi-site
filing, departure filing, cancellation, re-registration and personal info change — each happy path and its
refusals — with the register history and the public record they leave behind."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import PersonProfile, PhysicianRegistration
from pipeline import clock
from tests import factories
from tests.journeys import commission_desk, institution_desk, login, person_account, wait_for, wait_routed, wait_status

pytestmark = pytest.mark.usefixtures("workers")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def registered_physician(api, db, settings, desk) -> dict:
    """A physician registered at `desk` (first registration already published), logged in."""
    person = person_account(db, settings, desk.id)
    item = factories.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "approved", commission_code=desk.institution.registered_by)
    factories.issued(db, item)
    item.status = "published"
    db.commit()
    person["identifier"] = item.identifier
    person["headers"] = login(api, person["mobile"])
    return person


def submit(api, headers, kind: str, data: dict, status: int = 201) -> dict:
    return api.post_json("/api/v1/applications", {"kind": kind, "data": data}, headers=headers, status=status).json


def confirm(api, desk, application_id: int) -> None:
    answer = api.post_json(f"/api/v1/institution/tasks/{application_id}", {"decision": "confirm"}, headers=desk.headers)
    assert answer.status_code == 200


def approve(api, commission, application_id: int) -> None:
    wait_routed(api, commission, application_id)
    api.post_json(f"/api/v1/commission/queue/{application_id}", {"decision": "approve", "comment": "同意"}, headers=commission)


def record_of(api, identifier: str, version: int | None = None) -> dict:
    if version is None:
        return api.get(f"/api/v1/public/records/{identifier}").json
    return wait_for(lambda: (r := api.get(f"/api/v1/public/records/{identifier}").json)["version"] >= version and r)


def change(institution_id: int, scope: str = "内科专业") -> dict:
    return {"institution_id": institution_id, "practice_category": "临床", "practice_scope": [scope]}


def test_change_of_institution_moves_the_physician_and_keeps_the_identifier(api, db, settings):
    old = institution_desk(api, db, name=factories.unique_name("旧院"))
    new = institution_desk(api, db, name=factories.unique_name("新院"), division="110108")
    _, haidian = commission_desk(api, db, "110108")
    person = registered_physician(api, db, settings, old)

    app_id = submit(api, person["headers"], "physician.change", change(new.id, "外科专业"))["id"]
    wait_status(api, person["headers"], app_id, "awaiting_institution")
    # The new institution confirms (not the old one), and the new institution's commission approves.
    assert app_id in [t["id"] for t in api.get("/api/v1/institution/tasks", headers=new.headers).json["items"]]
    assert app_id not in [t["id"] for t in api.get("/api/v1/institution/tasks", headers=old.headers).json["items"]]
    confirm(api, new, app_id)
    approve(api, haidian, app_id)
    body = wait_status(api, person["headers"], app_id, "published")
    assert body["identifier"] == person["identifier"]

    record = record_of(api, person["identifier"])
    assert record["version"] == 1 and record["status"] == "registered" and record["division"] == "110108"
    assert [(i["id"], i["main"]) for i in record["institutions"]] == [(new.id, True)]
    assert record["practice_scopes"] == ["外科专业"] and record["registering_authority"]["division"] == "110108"

    mine = api.get("/api/v1/me/registration", headers=person["headers"]).json["registration"]
    assert mine["institution"]["id"] == new.id
    assert [(i["id"], i["main"], i["current"]) for i in mine["institutions"]] == [(new.id, True, True), (old.id, True, False)]
    last = mine["history"][-1]
    assert last["application_id"] == app_id and last["event"] == "医师变更注册"
    assert last["changes"]["institution"] == [old.institution.name, new.institution.name]
    assert last["changes"]["practice_scopes"] == [["内科专业"], ["外科专业"]]


def test_change_refusals_say_why(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("变更院"))
    dental = institution_desk(api, db, name=factories.unique_name("口腔院"), departments=("口腔科",))
    person = registered_physician(api, db, settings, desk)

    # A scope outside the new institution's departments, a category the qualification does not allow.
    app_id = submit(api, person["headers"], "physician.change", change(dental.id))["id"]
    body = wait_status(api, person["headers"], app_id, "verification_failed")
    assert any("不在执业机构" in finding for finding in body["findings"])
    # Nothing to change.
    same = submit(api, person["headers"], "physician.change", change(desk.id))["id"]
    assert "申请内容与现有注册信息相同，无需变更" in wait_status(api, person["headers"], same, "verification_failed")["findings"]
    # A physician without a register entry cannot change it.
    stranger = person_account(db, settings, desk.id)
    db.commit()
    headers = login(api, stranger["mobile"])
    other = submit(api, headers, "physician.change", change(desk.id, "外科专业"))["id"]
    assert wait_status(api, headers, other, "verification_failed")["findings"] == ["尚无医师注册记录，请先办理医师首次注册"]
    # Bad input: one reason per field, nothing stored.
    error = submit(api, person["headers"], "physician.change", {"institution_id": "x", "practice_scope": "牙科"}, 400)
    assert set(error["error"]["fields"]) == {"institution_id", "practice_category", "practice_scope"}
    # One open application per person and kind.
    pending = institution_desk(api, db, name=factories.unique_name("待确认院"))
    first = submit(api, person["headers"], "physician.change", change(pending.id, "外科专业"))["id"]
    wait_status(api, person["headers"], first, "awaiting_institution")
    assert submit(api, person["headers"], "physician.change", change(pending.id), 409)["error"]["code"] == "conflict"


def test_multi_site_filing_adds_an_institution_and_its_departure_ends_only_that_practice(api, db, settings):
    main = institution_desk(api, db, name=factories.unique_name("主院"))
    added = institution_desk(api, db, name=factories.unique_name("多点院"), division="110101")
    _, dongcheng = commission_desk(api, db, "110101")
    person = registered_physician(api, db, settings, main)

    app_id = submit(api, person["headers"], "physician.multi_site_filing", {"institution_id": added.id})["id"]
    wait_status(api, person["headers"], app_id, "awaiting_institution")
    confirm(api, added, app_id)
    approve(api, dongcheng, app_id)
    wait_status(api, person["headers"], app_id, "published")
    record = record_of(api, person["identifier"])
    assert [(i["id"], i["main"]) for i in record["institutions"]] == [(main.id, True), (added.id, False)]

    # Filing at an institution already practised at is refused.
    again = submit(api, person["headers"], "physician.multi_site_filing", {"institution_id": added.id})["id"]
    findings = wait_status(api, person["headers"], again, "verification_failed")["findings"]
    assert findings == [f"已在“{added.institution.name}”执业，无需备案"]

    # The added institution files the physician's departure: only that practice ends.
    filing = submit(api, added.headers, "physician.departure_filing",
                    {"identifier": person["identifier"], "reason": "调离", "left_on": clock.today().isoformat()})["id"]
    wait_status(api, added.headers, filing, "pending_approval")
    approve(api, dongcheng, filing)
    wait_status(api, added.headers, filing, "published")
    record = record_of(api, person["identifier"])
    assert record["status"] == "registered" and [i["id"] for i in record["institutions"]] == [main.id]


def test_departure_filing_then_re_registration(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("备案院"))
    _, chaoyang = commission_desk(api, db, "110105")
    person = registered_physician(api, db, settings, desk)
    left_on = (clock.today() - timedelta(days=3)).isoformat()

    filing = submit(api, desk.headers, "physician.departure_filing",
                    {"identifier": person["identifier"], "reason": "retirement", "left_on": left_on})
    assert filing["status"] == "submitted"
    wait_status(api, desk.headers, filing["id"], "pending_approval")  # no confirmation step: the institution applied
    approve(api, chaoyang, filing["id"])
    wait_status(api, desk.headers, filing["id"], "published")
    # The physician sees it among their applications, and their record is filed (非在册).
    assert filing["id"] in [a["id"] for a in api.get("/api/v1/applications", headers=person["headers"]).json["items"]]
    mine = api.get("/api/v1/me/registration", headers=person["headers"]).json["registration"]
    assert (mine["status"], mine["status_reason"], mine["status_since"]) == ("filed", "退休", left_on)
    assert [i["current"] for i in mine["institutions"]] == [False]
    record = record_of(api, person["identifier"])
    assert record["status"] == "filed" and record["institutions"][0]["id"] == desk.id

    # A filed physician is not on the roll: a second filing is refused with its reason.
    second = submit(api, desk.headers, "physician.departure_filing",
                    {"identifier": person["identifier"], "reason": "退职", "left_on": left_on})["id"]
    assert wait_status(api, desk.headers, second, "verification_failed")["findings"] == ["医师注册状态为“备案（非在册）”，不能办理此项业务"]

    # The cause no longer applies: the physician registers again and keeps the identifier.
    data = {**change(desk.id), "statement": "返聘，继续执业"}
    again = submit(api, person["headers"], "physician.re_registration", data)["id"]
    wait_status(api, person["headers"], again, "awaiting_institution")
    confirm(api, desk, again)
    approve(api, chaoyang, again)
    assert wait_status(api, person["headers"], again, "published")["identifier"] == person["identifier"]
    mine = api.get("/api/v1/me/registration", headers=person["headers"]).json["registration"]
    assert mine["status"] == "registered" and mine["status_reason"] is None
    assert [e["to"] for e in mine["history"]] == ["registered", "filed", "registered"]
    assert record_of(api, person["identifier"])["status"] == "registered"


def test_cancellation_and_when_re_registration_is_refused(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("注销院"))
    other = institution_desk(api, db, name=factories.unique_name("他院"))
    _, chaoyang = commission_desk(api, db, "110105")
    person = registered_physician(api, db, settings, desk)
    today = clock.today().isoformat()

    # Another institution cannot name someone else's physician; a reason "other" needs a comment.
    refused = submit(api, other.headers, "physician.cancellation",
                     {"identifier": person["identifier"], "reason": "death", "occurred_on": today}, 400)
    assert "identifier" in refused["error"]["fields"]
    bad = submit(api, desk.headers, "physician.cancellation",
                 {"identifier": person["identifier"], "reason": "other", "occurred_on": "2999-01-01"}, 400)
    assert set(bad["error"]["fields"]) == {"occurred_on", "comment"}
    # A person cannot submit an institution's kind.
    submit(api, person["headers"], "physician.cancellation", {"identifier": person["identifier"]}, 403)

    cancel = submit(api, desk.headers, "physician.cancellation",
                    {"identifier": person["identifier"], "reason": "受刑事处罚", "occurred_on": today})["id"]
    wait_status(api, desk.headers, cancel, "pending_approval")
    approve(api, chaoyang, cancel)
    wait_status(api, desk.headers, cancel, "published")
    assert record_of(api, person["identifier"])["status"] == "cancelled"

    again = submit(api, person["headers"], "physician.re_registration", {**change(desk.id), "statement": "刑满"})["id"]
    findings = wait_status(api, person["headers"], again, "verification_failed")["findings"]
    assert len(findings) == 1 and "未满2年" in findings[0]


def test_info_change_is_final_at_the_institution(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("信息院"))
    person = registered_physician(api, db, settings, desk)

    # Photos are recognised by their bytes and limited in size; the error names the field.
    gif = base64.b64encode(b"GIF89a" + b"\x00" * 32).decode()
    assert submit(api, person["headers"], "physician.info_change", {"photo": gif}, 400)["error"]["fields"] == {
        "photo": "照片只能是JPEG或PNG格式"}
    huge = base64.b64encode(PNG + b"\x00" * (2 * 1024 * 1024)).decode()
    assert "photo" in submit(api, person["headers"], "physician.info_change", {"photo": huge}, 400)["error"]["fields"]
    assert "data" in submit(api, person["headers"], "physician.info_change", {}, 400)["error"]["fields"]

    data = {"photo": base64.b64encode(PNG).decode(), "education": "本科", "school": "北京大学医学部", "title": "主治医师"}
    app_id = submit(api, person["headers"], "physician.info_change", data)["id"]
    wait_status(api, person["headers"], app_id, "awaiting_institution")
    confirmed = api.post_json(f"/api/v1/institution/tasks/{app_id}", {"decision": "confirm"}, headers=desk.headers).json
    assert confirmed["status"] == "approved"  # no commission step
    body = wait_status(api, person["headers"], app_id, "published")
    assert "pending_approval" not in [event["to"] for event in body["history"]]
    db.expire_all()
    profile = db.get(PersonProfile, person["person_id"])
    assert (profile.photo, profile.photo_type, profile.title, profile.school) == (PNG, "image/png", "主治医师", "北京大学医学部")
    history = api.get("/api/v1/me/registration", headers=person["headers"]).json["registration"]["history"]
    assert history[-1]["event"] == "医师个人信息变更" and history[-1]["changes"]["职称"] == [None, "主治医师"]
    entry = db.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == person["person_id"]))
    assert entry.status == "registered" and entry.identifier == person["identifier"]
