"""Who may call the endpoints of the nurse / account-life-cycle / assessments work, and what each role sees;
also the assessment results themselves (a physician's own, an institution's physicians')."""
from __future__ import annotations

from datetime import date

import pytest

from models import AssessmentResult
from tests import factories
from tests.journeys import commission_desk, institution_desk, login, person_account
from tests.nurse_journeys import nurse, registered


@pytest.fixture
def world(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("考核医院"))
    other = institution_desk(api, db, name=factories.unique_name("他院"))
    _, commission = commission_desk(api, db, "110105")
    doctor = person_account(db, settings, desk.id)
    stranger = person_account(db, settings, other.id)
    for person, institution in ((doctor, desk), (stranger, other)):
        item = factories.application(db, person["person_id"], person["account_id"], institution.id,
                                     person["certificate_no"], "approved", "110105")
        factories.issued(db, item)
        db.add(AssessmentResult(certificate_no=person["certificate_no"], period="2022-2024", result="合格",
                                assessed_on=date(2024, 11, 30), assessor="朝阳区医师定期考核委员会"))
    db.add(AssessmentResult(certificate_no=doctor["certificate_no"], period="2019-2021", result="基本合格",
                            assessed_on=date(2021, 11, 30), assessor="朝阳区医师定期考核委员会"))
    db.commit()
    doctor["headers"], stranger["headers"] = login(api, doctor["mobile"]), login(api, stranger["mobile"])
    return {"desk": desk, "other": other, "commission": commission, "doctor": doctor, "stranger": stranger}


def test_the_physician_sees_their_own_assessments_the_institution_its_physicians(api, world):
    doctor, desk = world["doctor"], world["desk"]
    mine = api.get("/api/v1/me/registration", headers=doctor["headers"]).json["assessments"]
    assert [(a["period"], a["result"]) for a in mine] == [("2022-2024", "合格"), ("2019-2021", "基本合格")]
    seen = api.get("/api/v1/institution/assessments", headers=desk.headers).json["items"]
    assert [(a["name"], a["period"]) for a in seen] == [(doctor["name"], "2022-2024"), (doctor["name"], "2019-2021")]
    assert world["stranger"]["name"] not in str(seen)
    assert len(api.get("/api/v1/institution/assessments", {"period": "2019-2021"}, headers=desk.headers).json["items"]) == 1
    too_long = api.get("/api/v1/institution/assessments", {"period": "x" * 21}, headers=desk.headers, status=400).json
    assert too_long["error"]["fields"] == {"period": "考核周期不超过20个字符"}


def test_permissions_of_the_new_endpoints(api, world):
    desk, commission, doctor = world["desk"], world["commission"], world["doctor"]
    counter = {"kind": "nurse.pre2008_first_registration", "data": {}}
    # Anonymous: 401 where a login is needed; the password reset is for anyone.
    api.get("/api/v1/institution/assessments", status=401)
    api.post_json("/api/v1/commission/counter", counter, status=401)
    api.post_json("/api/v1/password-reset/request", {"username": "nobody"}, status=200)
    api.post_json("/api/v1/password-reset/confirm", {"username": "nobody", "code": "123456", "password": "Abcdefg12"}, status=400)
    # Wrong roles: 403, and no data.
    for headers in (doctor["headers"], commission):
        assert "items" not in api.get("/api/v1/institution/assessments", headers=headers, status=403).json
    for headers in (doctor["headers"], desk.headers):
        api.post_json("/api/v1/commission/counter", counter, headers=headers, status=403)
    # The right role with bad input: 400 naming the fields, nothing stored.
    bad = api.post_json("/api/v1/commission/counter", counter, headers=commission, status=400).json
    assert {"name", "id_number", "certificate_no", "passed_year", "institution_id"} <= set(bad["error"]["fields"])
    assert api.post_json("/api/v1/commission/counter", {"data": {}}, headers=commission, status=400).json["error"]["fields"] == {"kind": "必填"}


def test_a_nurse_sees_only_their_own_record_and_applications(api, db, settings, world):
    desk = world["desk"]
    mine, theirs = nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id)
    registered(db, mine, desk.id)
    registered(db, theirs, desk.id)
    record = api.get("/api/v1/me/registration", headers=mine["headers"]).json
    assert record["registration"]["identifier"] == mine["identifier"] and theirs["identifier"] not in str(record)
    assert api.get("/api/v1/me/registration", headers=desk.headers, status=403)
    # A nurse cannot cancel someone else by naming their identifier: the application is about the nurse herself.
    created = api.post_json("/api/v1/applications", {"kind": "nurse.cancellation", "data": {
        "reason": "本人申请注销"}}, headers=mine["headers"], status=201).json
    assert api.get(f"/api/v1/applications/{created['id']}", headers=theirs["headers"], status=404)
    assert api.get(f"/api/v1/applications/{created['id']}", headers=world["other"].headers, status=404)
