"""Notifications people rely on: on every decision the person it is about hears it — inbox and SMS, with the
return or rejection reason — and a physician hears when their institution files about them; nobody is told of
what they did themselves. SMS come from registered templates (pipeline/messages.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Notification
from tests.functional.test_physician_business import registered_physician, submit
from tests.institution_steps import sms_to
from tests.journeys import (
    active_physician,
    commission_desk,
    institution_desk,
    submit_first_registration,
    wait_for,
    wait_routed,
    wait_status,
)

pytestmark = pytest.mark.usefixtures("workers")


def inbox(db, **who) -> list[tuple[str, str]]:
    db.rollback()
    return [(n.event, n.text) for n in db.scalars(select(Notification).filter_by(**who).order_by(Notification.id))]


def test_a_return_and_a_rejection_reach_the_person_with_the_reason_and_not_the_deciding_party(api, db, settings):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    person = active_physician(api, db, settings, desk)
    application = submit_first_registration(api, person, desk.id)["id"]
    wait_status(api, person["headers"], application, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{application}", {"decision": "return", "comment": "请核对执业范围"},
                  headers=desk.headers)
    told = wait_for(lambda: [text for event, text in inbox(db, account_id=person["account_id"]) if event == "returned"])
    assert "请核对执业范围" in told[0] and "医师首次注册" in told[0]
    assert not [e for e, _ in inbox(db, institution_id=desk.id) if e == "returned"]  # the institution returned it
    wait_for(lambda: any("已被退回：请核对执业范围" in text for text in sms_to(settings, person["mobile"])))

    api.post_json(f"/api/v1/applications/{application}/resubmit", {"data": {
        "certificate_no": person["certificate_no"], "practice_category": "临床", "practice_scope": "内科专业",
        "institution_id": desk.id}}, headers=person["headers"])
    wait_status(api, person["headers"], application, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{application}", {"decision": "confirm"}, headers=desk.headers)
    wait_routed(api, commission, application)
    api.post_json(f"/api/v1/commission/queue/{application}", {"decision": "reject", "comment": "资格证书已注销"},
                  headers=commission)
    wait_for(lambda: any(event == "rejected" and "资格证书已注销" in text for event, text in inbox(db, account_id=person["account_id"])))
    wait_for(lambda: any("未获批准：资格证书已注销" in text for text in sms_to(settings, person["mobile"])))


def test_a_physician_hears_when_the_institution_files_a_departure_and_when_it_is_decided(api, db, settings):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    physician = registered_physician(api, db, settings, desk)
    filed = submit(api, desk.headers, "physician.departure_filing",
                   {"identifier": physician["identifier"], "reason": "retirement", "left_on": "2026-01-05"})["id"]
    heard = wait_for(lambda: [text for event, text in inbox(db, account_id=physician["account_id"]) if event == "filed_about_you"])
    assert desk.institution.name in heard[0] and "医师注册备案" in heard[0]
    wait_routed(api, commission, filed)
    api.post_json(f"/api/v1/commission/queue/{filed}", {"decision": "return", "comment": "请附离岗证明"}, headers=commission)
    # The institution filed it, so the institution hears the return too; and so does the physician it is about.
    wait_for(lambda: any(event == "returned" and "请附离岗证明" in text for event, text in inbox(db, institution_id=desk.id)))
    wait_for(lambda: any(event == "returned" for event, _ in inbox(db, account_id=physician["account_id"])))
    assert any("已为您提交医师注册备案申请" in text for text in sms_to(settings, physician["mobile"]))
