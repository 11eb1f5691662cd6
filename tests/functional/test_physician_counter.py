"""The physician counter business 医师窗口业务 on the real stack: entered by commission staff, approved on entry,
then identifier and publication; a short-term practice lapses by itself. Who may use the counter, and refusals."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Application, Person, PhysicianQualification, PhysicianRegistration
from models.crypto import lookup_hash
from pipeline import clock
from tests import factories
from tests.journeys import commission_desk, institution_desk, login, person_account, wait_for
from workers.expiry import lapse_short_term_once

pytestmark = pytest.mark.usefixtures("workers")

COUNTER = "/api/v1/commission/counter"


def entered(api, headers, kind: str, data: dict, status: int = 201) -> dict:
    return api.post_json(COUNTER, {"kind": kind, "data": data}, headers=headers, status=status).json


def finished(db, application_id: int) -> Application:
    def done():
        db.rollback()
        application = db.get(Application, application_id)
        return application if application.status == "published" else None
    return wait_for(done)


def backfill(certificate_no: str, id_number: str, name: str) -> dict:
    return {"name": name, "id_type": "resident_id", "id_number": id_number, "certificate_no": certificate_no,
            "level": "执业医师", "category": "中医", "issued_on": "1996-07-01"}


def short_term(institution_id: int, id_number: str, start: date, end: date, **extra) -> dict:
    return {"name": factories.unique_name("陈"), "sex": "男", "birth_date": "1975-04-02", "id_type": "hk_macao_permit",
            "id_number": id_number, "region": "香港", "licence_no": "MC12345", "practice_category": "临床",
            "practice_scope": ["外科专业"], "institution_id": institution_id, "start_date": start.isoformat(),
            "end_date": end.isoformat(), **extra}


def test_legacy_qualification_backfill_adds_a_qualification_record(api, db, settings):
    _, commission = commission_desk(api, db, "110105")
    name, id_number = factories.unique_name("王"), factories.resident_id(date(1950, 3, 1))
    certificate_no = f"LEGACY{factories.unique_mobile()[-8:]}"

    answer = entered(api, commission, "physician.qualification_backfill", backfill(certificate_no, id_number, name))
    assert answer["status"] == "approved"
    application = finished(db, answer["id"])
    assert application.identifier is None and "id_number" not in application.data
    assert id_number not in str(application.data)
    record = db.get(PhysicianQualification, certificate_no)
    assert (record.name, record.category, record.id_number_hash) == (name, "中医", lookup_hash(settings.secret, id_number))
    # The institution end can now verify the qualification.
    assert [event.to_status for event in application.history] == ["approved", "issued", "published"]
    # The same certificate twice is refused, and nothing is stored.
    before = db.scalar(select(func.count()).select_from(Application))
    assert entered(api, commission, "physician.qualification_backfill", backfill(certificate_no, id_number, name), 409)
    assert db.scalar(select(func.count()).select_from(Application)) == before


def test_hmt_recognition_checks_the_permit_of_the_region(api, db, settings):
    _, commission = commission_desk(api, db, "110105")
    data = {**backfill("HKQ20260001", "H7654321", factories.unique_name("何")), "id_type": "taiwan_permit", "region": "香港"}
    assert entered(api, commission, "physician.hmt_qualification_recognition", data, 400)["error"]["fields"] == {
        "id_type": "香港居民应使用港澳居民来往内地通行证"}
    answer = entered(api, commission, "physician.hmt_qualification_recognition", {**data, "id_type": "hk_macao_permit"})
    finished(db, answer["id"])
    assert db.get(PhysicianQualification, "HKQ20260001").name == data["name"]


def test_short_term_practice_is_registered_then_lapses_by_itself(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("短期院"))
    _, commission = commission_desk(api, db, "110105")
    today = clock.today()
    data = short_term(desk.id, f"H{factories.unique_mobile()[-8:]}", today - timedelta(days=30), today + timedelta(days=60))

    answer = entered(api, commission, "physician.hmt_short_term_practice", data)
    application = finished(db, answer["id"])
    identifier = application.identifier
    assert identifier.startswith("D110105")
    record = api.get(f"/api/v1/public/records/{identifier}").json
    assert (record["status"], record["valid_until"], record["institutions"][0]["id"]) == ("registered", data["end_date"], desk.id)
    assert data["id_number"] not in str(application.data)

    # Already registered: a second short-term practice is refused.
    assert entered(api, commission, "physician.hmt_short_term_practice", data, 409)["error"]["code"] == "conflict"

    # The day after the end date the periodic task cancels it and publishes the new status (once).
    assert lapse_short_term_once(settings, today=today + timedelta(days=61)) >= 1
    assert lapse_short_term_once(settings, today=today + timedelta(days=61)) == 0
    record = api.get(f"/api/v1/public/records/{identifier}").json
    assert (record["status"], record["version"]) == ("cancelled", 2)
    db.expire_all()
    entry = db.scalar(select(PhysicianRegistration).where(PhysicianRegistration.identifier == identifier))
    assert (entry.status, entry.status_reason) == ("cancelled", "short_term_expired")
    assert entry.history[-1].event == "短期行医期满" and entry.practices[0].until == entry.valid_until


def test_foreign_short_term_practice_is_limited_to_a_year(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("外籍院"))
    _, commission = commission_desk(api, db, "110105")
    today = clock.today()
    data = {**short_term(desk.id, f"E{factories.unique_mobile()[-8:]}", today, today + timedelta(days=400)),
            "id_type": "passport", "nationality": "英国"}
    del data["region"]
    assert entered(api, commission, "physician.foreign_short_term_practice", data, 400)["error"]["fields"] == {
        "end_date": "短期行医期限不能超过一年"}
    data["end_date"] = (today + timedelta(days=180)).isoformat()
    application = finished(db, entered(api, commission, "physician.foreign_short_term_practice", data)["id"])
    person = db.get(Person, application.person_id)
    assert (person.name, person.id_type, person.institution_id) == (data["name"], "passport", desk.id)


def test_only_a_commission_uses_the_counter_and_only_in_its_jurisdiction(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("辖区院"))  # 朝阳区 110105
    _, chaoyang = commission_desk(api, db, "110105")
    _, haidian = commission_desk(api, db, "110108")
    _, shanghai = commission_desk(api, db, "310000")
    person = person_account(db, settings, desk.id)
    db.commit()
    today = clock.today()
    data = short_term(desk.id, f"H{factories.unique_mobile()[-8:]}", today, today + timedelta(days=30))
    body = {"kind": "physician.hmt_short_term_practice", "data": data}
    before = db.scalar(select(func.count()).select_from(Application))

    api.post_json(COUNTER, body, status=401)
    api.post_json(COUNTER, body, headers=login(api, person["mobile"]), status=403)
    api.post_json(COUNTER, body, headers=desk.headers, status=403)
    for other in (haidian, shanghai):  # another district, another province
        assert "institution_id" in api.post_json(COUNTER, body, headers=other, status=400).json["error"]["fields"]
    # Any kind is counter business for someone who comes in person: without its data, 400 naming each field;
    # an unknown kind, or bad data: 400 naming the field.
    empty = api.post_json(COUNTER, {"kind": "physician.change", "data": {}}, headers=chaoyang, status=400)
    assert {"institution_id", "practice_category", "practice_scope"} <= set(empty.json["error"]["fields"])
    assert "kind" in api.post_json(COUNTER, {"kind": "physician.nope", "data": {}}, headers=chaoyang, status=400).json["error"]["fields"]
    fields = api.post_json(COUNTER, {"kind": "physician.hmt_short_term_practice", "data": {"name": "x"}},
                           headers=chaoyang, status=400).json["error"]["fields"]
    assert {"name", "id_number", "institution_id", "start_date", "end_date", "practice_scope"} <= set(fields)
    # And a person cannot submit counter business through the applications endpoint either.
    api.post_json("/api/v1/applications", body, headers=login(api, person["mobile"]), status=403)
    assert db.scalar(select(func.count()).select_from(Application)) == before
    assert db.scalar(select(Person).where(Person.name == data["name"])) is None


def test_a_certificate_number_is_one_persons_even_while_the_first_entry_is_being_issued(api, db, settings):
    """Two clerks enter the same certificate number for two people: the second is refused whether or not the first
    has reached the qualification database yet, and the record stays the first person's."""
    _, commission = commission_desk(api, db, "110105")
    certificate_no = f"TWICE{factories.unique_mobile()[-8:]}"
    first_id, second_id = factories.resident_id(date(1955, 1, 1)), factories.resident_id(date(1956, 2, 2))
    first = entered(api, commission, "physician.qualification_backfill", backfill(certificate_no, first_id, factories.unique_name("甲")))
    refused = entered(api, commission, "physician.qualification_backfill",
                      backfill(certificate_no, second_id, factories.unique_name("乙")), 409)
    assert certificate_no in refused["error"]["message"]
    finished(db, first["id"])
    again = entered(api, commission, "physician.qualification_backfill",
                    backfill(certificate_no, second_id, factories.unique_name("乙")), 409)
    assert "已在医师资格库中" in again["error"]["message"]
    assert db.get(PhysicianQualification, certificate_no).id_number_hash == lookup_hash(settings.secret, first_id)
