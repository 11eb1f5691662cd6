"""The periodic nurse-register task, driven directly: lapsed registrations expire (and the public sees it);
the nurse and the institution are told ahead of expiry, once per threshold."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Notification, NurseRegistration, OutboxMessage
from pipeline import clock
from tests import factories
from tests.journeys import institution_desk
from tests.nurse_journeys import nurse, registered
from workers.expiry import expire_once


def notices(db, event: str, **who) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Notification.text).where(Notification.event == event, *(
        getattr(Notification, key) == value for key, value in who.items())).order_by(Notification.id)))


def test_expiry_marks_lapsed_registrations_expired_and_warns_ahead_once_per_threshold(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("到期医院"))
    lapsed, soon, later = (nurse(api, db, settings, desk.id) for _ in range(3))
    today = clock.today()
    registered(db, lapsed, desk.id, valid_until=today - timedelta(days=1))
    registered(db, soon, desk.id, valid_until=today + timedelta(days=25))
    registered(db, later, desk.id, valid_until=today + timedelta(days=80))

    first = expire_once(settings, today)
    db.expire_all()
    assert first["expired"] >= 1 and first["notified"] >= 2
    entry = db.scalar(select(NurseRegistration).where(NurseRegistration.person_id == lapsed["person_id"]))
    assert entry.status == "expired" and entry.history[-1].event == "有效期届满"
    assert api.get(f"/api/v1/public/records/{lapsed['identifier']}").json["status"] == "expired"
    assert notices(db, "nurse_expired", account_id=lapsed["account_id"]) == [
        f"您的护士执业注册已于{entry.valid_until.isoformat()}有效期届满，状态为已过期；继续执业请办理重新注册。"]
    assert len(notices(db, "nurse_expired", institution_id=desk.id)) == 1

    soon_until = (today + timedelta(days=25)).isoformat()
    assert notices(db, "nurse_expiring", account_id=soon["account_id"]) == [
        f"您在{desk.institution.name}的护士执业注册将于{soon_until}有效期届满（不足30天），请在届满前申请延续注册。"]
    assert "不足90天" in notices(db, "nurse_expiring", account_id=later["account_id"])[0]
    assert len(notices(db, "nurse_expiring", institution_id=desk.id)) == 2
    sms = [row.payload for row in db.scalars(select(OutboxMessage).where(OutboxMessage.task == "workers.notifications.send_sms"))]
    assert any(item["to"] == soon["mobile"] and item["message"] == "nurse_expiring" and item["params"]["until"] == soon_until
               for item in sms)

    # Run again (beat runs hourly): nothing new. When the later one is 20 days from expiry, it gets its 30-day notice.
    expire_once(settings, today)
    assert len(notices(db, "nurse_expiring", institution_id=desk.id)) == 2
    assert len(notices(db, "nurse_expired", institution_id=desk.id)) == 1
    entry = db.scalar(select(NurseRegistration).where(NurseRegistration.person_id == later["person_id"]))
    entry.valid_until = today + timedelta(days=20)
    db.commit()
    expire_once(settings, today)
    assert [("不足90天" in t, "不足30天" in t) for t in notices(db, "nurse_expiring", account_id=later["account_id"])] == [
        (True, False), (False, True)]
