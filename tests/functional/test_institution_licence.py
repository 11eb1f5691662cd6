"""The institution's own licence business through the real pipeline: hand-out and first login, practice
registration, change, verification, suspension, resumption, cancellation — and their refusals."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from models import Institution, Notification, StaffFollowUp
from pipeline import clock
from tests import factories
from tests.institution_steps import (
    NEW_PASSWORD,
    hand_out,
    registered_institution,
    submit,
    through_pipeline,
    valid_uscc,
)
from tests.journeys import (
    PASSWORD,
    active_physician,
    commission_desk,
    submit_first_registration,
    wait_for,
    wait_status,
)
from workers.institution_checks import flag_verification_due_once


def test_hand_out_sends_the_credentials_by_sms_and_the_first_login_must_change_the_password(api, db, settings, workers):
    _, commission = commission_desk(api, db, "110105")
    handed = hand_out(api, settings, commission, beds=30)
    assert set(handed) >= {"institution_id", "account_id"}
    answer_text = str({k: handed[k] for k in ("institution_id", "account_id", "status", "sms_sent_to")})
    assert handed["one_time_password"] not in answer_text and handed["username"] not in answer_text
    assert handed["name"] in handed["sms"] and "首次登录须修改密码" in handed["sms"]

    login_answer = api.post_json("/api/v1/login", {"username": handed["username"], "password": handed["one_time_password"]}).json
    assert login_answer["must_change_password"] is True and login_answer["role"] == "institution"
    headers = {"Authorization": f"Bearer {login_answer['token']}"}
    refused = api.get("/api/v1/institution/profile", headers=headers, status=403).json
    assert refused["error"]["code"] == "password_change_required"
    api.get("/api/v1/institution/tasks", headers=headers, status=403)

    bad = api.post_json("/api/v1/password", {"old_password": "wrong-1234", "new_password": NEW_PASSWORD}, headers=headers, status=400)
    assert "old_password" in bad.json["error"]["fields"]
    weak = api.post_json("/api/v1/password", {"old_password": handed["one_time_password"], "new_password": "short"},
                         headers=headers, status=400)
    assert "new_password" in weak.json["error"]["fields"]
    changed = api.post_json("/api/v1/password", {"old_password": handed["one_time_password"], "new_password": NEW_PASSWORD},
                            headers=headers).json
    api.get("/api/v1/institution/profile", headers=headers, status=401)  # the change ended every earlier token
    headers = {"Authorization": f"Bearer {changed['token']}"}
    api.post_json("/api/v1/login", {"username": handed["username"], "password": handed["one_time_password"]}, status=401)
    again = api.post_json("/api/v1/login", {"username": handed["username"], "password": NEW_PASSWORD}).json
    assert again["must_change_password"] is False
    profile = api.get("/api/v1/institution/profile", headers=headers).json
    assert profile["status"] == "setup" and profile["identifier"] is None and profile["setup"]["approval_no"] == handed["approval_no"]


def test_hand_out_refuses_bad_input_and_other_jurisdictions(api, db, settings):
    _, commission = commission_desk(api, db, "110105")
    before = db.scalar(select(Institution.id).order_by(Institution.id.desc()).limit(1))
    bad = api.post_json("/api/v1/commission/institutions", {"name": "x", "type": "火星医院", "division_code": "110105", "beds": -1,
                        "departments": ["火星科"], "mobile": "123"}, headers=commission, status=400).json["error"]["fields"]
    assert {"name", "type", "beds", "departments", "mobile", "address", "legal_rep", "principal"} <= set(bad)
    from tests.institution_steps import setup_approval

    elsewhere = api.post_json("/api/v1/commission/institutions", setup_approval(division="110108"), headers=commission, status=400)
    assert "division_code" in elsewhere.json["error"]["fields"]
    db.expire_all()
    assert db.scalar(select(Institution.id).order_by(Institution.id.desc()).limit(1)) == before


def test_practice_registration_to_suspension_resumption_and_change(api, db, settings, workers, receiver):
    inst = registered_institution(api, db, settings, beds=120)
    headers, commission = inst["headers"], inst["commission"]
    record = api.get(f"/api/v1/public/records/{inst['identifier']}").json
    assert record["kind"] == "institution" and record["status"] == "operating" and record["uscc"] == inst["uscc"]
    assert record["name"] == inst["name"] and record["departments"] == ["儿科", "内科", "外科"]  # pre-filled from set-up
    wait_for(lambda: inst["identifier"] in receiver.held("national"))
    profile = api.get("/api/v1/institution/profile", headers=headers).json
    assert profile["next_verification_on"] == clock.today().replace(year=clock.today().year + 3).isoformat()  # 120 beds
    wait_for(lambda: any(n["event"] == "published" for n in api.get("/api/v1/me/notifications", headers=headers).json["items"]))

    # A second practice registration is refused by verification; a bad credit code at submission.
    bad = submit(api, headers, "institution.practice_registration", {"uscc": "91110105000000000X"}, status=400)
    assert "uscc" in bad["error"]["fields"]
    again = submit(api, headers, "institution.practice_registration", {"uscc": valid_uscc()})
    failed = wait_status(api, headers, again["id"], "verification_failed")
    assert any("不能重复登记" in reason for reason in failed["findings"])
    refused = submit(api, headers, "institution.resumption", {})
    assert any("无需解除停业" in r for r in wait_status(api, headers, refused["id"], "verification_failed")["findings"])

    # A physician can register here while it operates.
    desk_like = type("Desk", (), {"id": inst["institution_id"], "headers": headers})()
    physician = active_physician(api, db, settings, desk_like)

    # Suspension: public record says suspended; no new staff sign-ups or registrations.
    through_pipeline(api, headers, commission, "institution.suspension", {"reason": "装修改造"})
    assert api.get(f"/api/v1/public/records/{inst['identifier']}").json["status"] == "suspended"
    signup = api.post_json("/api/v1/signup", {**_signup_body(inst["institution_id"])}, status=400).json
    assert "institution_id" in signup["error"]["fields"]
    registration = submit_first_registration(api, physician, inst["institution_id"])
    findings = wait_status(api, physician["headers"], registration["id"], "verification_failed")["findings"]
    assert any("已停业" in reason for reason in findings)
    verification = submit(api, headers, "institution.verification", {})
    assert any("不在执业状态" in r for r in wait_status(api, headers, verification["id"], "verification_failed")["findings"])

    # Resumption, then a change of the register (name and departments) re-publishes the record.
    through_pipeline(api, headers, commission, "institution.resumption", {"note": "装修完成"})
    assert api.get(f"/api/v1/public/records/{inst['identifier']}").json["status"] == "operating"
    new_name = inst["name"] + "（新院区）"
    through_pipeline(api, headers, commission, "institution.change", {"name": new_name, "departments": "内科;妇产科"})
    record = api.get(f"/api/v1/public/records/{inst['identifier']}").json
    assert record["name"] == new_name and record["departments"] == ["内科", "妇产科"]
    assert api.post_json("/api/v1/applications", {"kind": "institution.change", "data": {}}, headers=headers, status=400)

    # The history holds every step.
    actions = [e["action"] for e in api.get("/api/v1/institution/history", headers=headers).json["events"]]
    for action in ("setup_approval", "practice_registration", "suspension", "resumption", "change"):
        assert action in actions


def _signup_body(institution_id: int) -> dict:
    birth = date(1990, 1, 2)
    return {"profession": "physician", "name": factories.unique_name(), "sex": "男", "birth_date": birth.isoformat(),
            "id_type": "resident_id", "id_number": factories.resident_id(birth), "mobile": factories.unique_mobile(),
            "password": PASSWORD, "institution_id": institution_id}


def test_verification_due_is_flagged_and_told_and_cancellation_flags_staff(api, db, settings, workers):
    inst = registered_institution(api, db, settings, beds=20)
    headers, commission = inst["headers"], inst["commission"]
    institution = db.get(Institution, inst["institution_id"])
    assert institution.next_verification_on == clock.today().replace(year=clock.today().year + 1)  # under 100 beds: yearly

    flag_verification_due_once(settings, today=institution.next_verification_on - timedelta(days=10))
    db.expire_all()
    assert db.get(Institution, institution.id).verification_state == "due"
    flag_verification_due_once(settings, today=institution.next_verification_on + timedelta(days=1))
    flag_verification_due_once(settings, today=institution.next_verification_on + timedelta(days=2))  # told once
    events = [n["event"] for n in api.get("/api/v1/me/notifications", headers=headers).json["items"]]
    assert events.count("verification.due") == 1 and events.count("verification.overdue") == 1
    assert api.get("/api/v1/institution/profile", headers=headers).json["verification_state"] == "overdue"

    through_pipeline(api, headers, commission, "institution.verification", {"note": "年度校验"})
    profile = api.get("/api/v1/institution/profile", headers=headers).json
    assert profile["verification_state"] == "" and profile["next_verification_on"] > clock.today().isoformat()

    # A registered physician here; then the institution is cancelled: public record cancelled, staff flagged.
    desk_like = type("Desk", (), {"id": inst["institution_id"], "headers": headers})()
    physician = active_physician(api, db, settings, desk_like)
    registration = submit_first_registration(api, physician, inst["institution_id"])
    wait_status(api, physician["headers"], registration["id"], "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{registration['id']}", {"decision": "confirm"}, headers=headers)
    from tests.institution_steps import approve

    approve(api, commission, registration["id"])
    wait_status(api, physician["headers"], registration["id"], "published")
    through_pipeline(api, headers, commission, "institution.cancellation", {"reason": "停止执业"})
    assert api.get(f"/api/v1/public/records/{inst['identifier']}").json["status"] == "cancelled"
    flagged = api.get("/api/v1/commission/follow-ups", headers=commission).json["items"]
    assert any(item["name"] == physician["name"] and item["reason"] == "institution_cancelled" for item in flagged)
    _, elsewhere = commission_desk(api, db, "310104")
    assert not any(i["name"] == physician["name"] for i in api.get("/api/v1/commission/follow-ups", headers=elsewhere).json["items"])
    db.expire_all()
    assert db.scalar(select(StaffFollowUp).where(StaffFollowUp.institution_id == inst["institution_id"])) is not None
    # Cancelled, its account reads but files or changes nothing more (docs/security.md): it filed a change before.
    after = api.post_json("/api/v1/applications", {"kind": "institution.change", "data": {"beds": 30}}, headers=headers,
                          status=403).json["error"]
    assert after["code"] == "institution_cancelled" and after["message"] == "本机构已注销，只能查阅，不能办理业务"
    phone = api.get("/api/v1/institution/profile", headers=headers).json["phone"]
    assert api.patch_json("/api/v1/institution/profile", {"phone": "010-55556666"}, headers=headers,
                          status=403).json["error"]["code"] == "institution_cancelled"
    assert api.get("/api/v1/institution/profile", headers=headers).json["phone"] == phone
    assert "cancellation" in [e["action"] for e in api.get("/api/v1/institution/history", headers=headers).json["events"]]
    assert db.scalar(select(Notification).where(Notification.institution_id == inst["institution_id"],
                                                Notification.event == "staff.approved")) is not None
