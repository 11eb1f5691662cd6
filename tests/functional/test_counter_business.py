"""Counter business for every kind (spec 2.1.2, 2.2.3, 2.3.3: 保留直接在卫生计生委端完成的注册、变更、注销等多种业务):
commission staff enter any kind for someone who comes in person; the kind's own verification decides, and the
entry takes the identifier and publication steps of an online application."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import Application, NurseRegistration, Person, PhysicianRegistration
from models.crypto import lookup_hash
from pipeline import clock
from tests import factories
from tests.journeys import commission_desk, institution_desk, wait_for
from tests.nurse_journeys import nurse, registered

pytestmark = pytest.mark.usefixtures("workers")

COUNTER = "/api/v1/commission/counter"


def entered(api, headers, kind: str, data: dict, status: int = 201) -> dict:
    return api.post_json(COUNTER, {"kind": kind, "data": data}, headers=headers, status=status).json


def published(api, headers, application_id: int) -> dict:
    return wait_for(lambda: (lambda body: body if body["status"] == "published" else None)(
        api.get(f"/api/v1/commission/queue/{application_id}", headers=headers).json))


def test_a_physician_new_to_the_system_is_first_registered_at_the_counter(api, db, settings):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    birth = date(1980, 8, 8)
    name, id_number = factories.unique_name("窗"), factories.resident_id(birth)
    certificate_no = factories.qualification(db, settings, name, id_number)
    db.commit()
    data = {"certificate_no": certificate_no, "practice_category": "临床", "practice_scope": ["内科专业"],
            "institution_id": desk.id, "id_type": "resident_id", "id_number": id_number, "name": name}
    missing = entered(api, commission, "physician.first_registration", data, 400)["error"]
    assert set(missing["fields"]) == {"sex", "birth_date", "mobile"} and set(missing["codes"].values()) == {"required"}
    data |= {"sex": "男", "birth_date": birth.isoformat(), "mobile": factories.unique_mobile()}
    answer = entered(api, commission, "physician.first_registration", data)
    assert answer["status"] == "approved" and "id_number" not in answer["data"] and "name" not in answer["data"]
    body = published(api, commission, answer["id"])
    assert body["identifier"].startswith("D110105")
    assert [h["to"] for h in body["history"]] == ["approved", "issued", "published"]
    assert api.get(f"/api/v1/public/records/{body['identifier']}").json["name"] == name
    person = db.query(Person).filter(Person.id_number_hash == lookup_hash(settings.secret, id_number)).one()
    assert db.query(PhysicianRegistration).filter(PhysicianRegistration.person_id == person.id).one().status == "registered"
    # The same person again: the register already holds them, and the kind's own rule says so.
    again = entered(api, commission, "physician.first_registration", data, 409)["error"]["message"]
    assert "核验未通过" in again and "已是注册医师" in again


def test_a_nurse_renews_at_the_counter_inside_the_window_and_is_refused_outside_it(api, db, settings):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    early, due = nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id)
    registered(db, early, desk.id, valid_until=clock.today() + timedelta(days=200))
    registered(db, due, desk.id, valid_until=clock.today() + timedelta(days=10))
    refused = entered(api, commission, "nurse.renewal", {"identifier": early["identifier"]}, 409)["error"]["message"]
    assert "核验未通过" in refused and "延续注册应在有效期届满前" in refused
    by_document = {"id_type": "resident_id", "id_number": due["id_number"], "name": due["name"]}
    answer = entered(api, commission, "nurse.renewal", by_document)
    body = published(api, commission, answer["id"])
    record = api.get(f"/api/v1/public/records/{body['identifier']}").json
    assert record["valid_until"] == (clock.today() + timedelta(days=10)).replace(year=clock.today().year + 5).isoformat()
    stranger = {**by_document, "id_number": factories.resident_id(date(1966, 6, 6), sex="女")}
    assert entered(api, commission, "nurse.renewal", stranger, 400)["error"]["codes"] == {"id_number": "not_found"}


def test_an_institution_change_is_entered_at_the_counter_and_published(api, db):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db, "110105")
    _, shanghai = commission_desk(api, db, "310104")
    assert entered(api, shanghai, "institution.change", {"institution_id": desk.id, "beds": 321}, 400)["error"]["codes"] == {
        "institution_id": "not_found"}
    answer = entered(api, commission, "institution.change", {"institution_id": desk.id, "beds": 321})
    body = published(api, commission, answer["id"])
    assert api.get(f"/api/v1/public/records/{body['identifier']}").json["beds"] == 321
    assert db.get(Application, answer["id"]).data == {"beds": 321}


def test_the_counter_reaches_only_people_and_institutions_of_its_own_jurisdiction(api, db, settings):
    """A clerk of 310104 (上海) cannot cancel, renew or register anyone at a 朝阳 (110105) institution, and learns
    nothing from trying: a person registered there is answered exactly as an ID number on no register."""
    desk = institution_desk(api, db)
    _, shanghai = commission_desk(api, db, "310104")
    chaoyang_nurse = nurse(api, db, settings, desk.id)
    registered(db, chaoyang_nurse, desk.id)
    applications_before = db.query(Application).count()

    by_document = {"id_type": "resident_id", "id_number": chaoyang_nurse["id_number"], "name": chaoyang_nurse["name"],
                   "reason": "本人申请注销"}
    elsewhere = entered(api, shanghai, "nurse.cancellation", by_document, 400)["error"]
    stranger = {**by_document, "id_number": factories.resident_id(date(1966, 6, 6), sex="女")}
    unknown = entered(api, shanghai, "nurse.cancellation", stranger, 400)["error"]
    assert elsewhere["codes"] == unknown["codes"] == {"id_number": "not_found"}
    assert elsewhere["fields"] == unknown["fields"] and "本卫健委辖区内没有" in elsewhere["fields"]["id_number"]
    # A wrong name changes nothing in the answer either: the name is compared only for a person within reach.
    assert entered(api, shanghai, "nurse.cancellation", {**by_document, "name": "某某某"}, 400)["error"] == elsewhere

    by_identifier = entered(api, shanghai, "nurse.renewal", {"identifier": chaoyang_nurse["identifier"]}, 400)["error"]
    assert by_identifier["codes"] == {"identifier": "not_found"}

    birth = date(1981, 9, 9)
    name, id_number = factories.unique_name("窗"), factories.resident_id(birth)
    first = {"certificate_no": factories.qualification(db, settings, name, id_number), "practice_category": "临床",
             "practice_scope": ["内科专业"], "institution_id": desk.id, "id_type": "resident_id", "id_number": id_number,
             "name": name, "sex": "男", "birth_date": birth.isoformat(), "mobile": factories.unique_mobile()}
    db.commit()
    assert entered(api, shanghai, "physician.first_registration", first, 400)["error"]["codes"] == {"institution_id": "not_found"}

    db.expire_all()
    assert db.query(Application).count() == applications_before
    assert db.query(Person).filter(Person.id_number_hash == lookup_hash(settings.secret, id_number)).count() == 0
    held = db.query(NurseRegistration).filter(NurseRegistration.identifier == chaoyang_nurse["identifier"]).one()
    assert held.status == "registered"


def test_moving_someone_registered_elsewhere_to_an_institution_of_the_jurisdiction_needs_their_id_document(api, db, settings):
    """A nurse of 朝阳 changes to a 上海 institution at 上海's counter. Her identifier is on her public record, so it
    alone is not enough: her ID number and name must agree with the entry; wrong ones are answered as an unknown
    identifier, and nothing is entered."""
    desk = institution_desk(api, db)
    shanghai_desk = institution_desk(api, db, name=factories.unique_name("上海医院"), division="310104")
    _, shanghai = commission_desk(api, db, "310104")
    moving = nurse(api, db, settings, desk.id)
    registered(db, moving, desk.id)
    applications_before = db.query(Application).count()
    change = {"identifier": moving["identifier"], "institution_id": shanghai_desk.id, "department": "内科"}

    alone = entered(api, shanghai, "nurse.change", change, 400)["error"]
    assert alone["codes"] == {"id_type": "required", "id_number": "required", "name": "required"}
    assert "本人证件" in alone["fields"]["id_number"]
    document = {"id_type": "resident_id", "id_number": moving["id_number"], "name": moving["name"]}
    unknown = entered(api, shanghai, "nurse.change", {**change, **document, "name": "某某某"}, 400)["error"]
    assert unknown["codes"] == {"identifier": "not_found"}
    other_number = factories.resident_id(date(1966, 6, 6), sex="女")
    assert entered(api, shanghai, "nurse.change", {**change, **document, "id_number": other_number}, 400)["error"] == unknown
    db.expire_all()
    assert db.query(Application).count() == applications_before

    answer = entered(api, shanghai, "nurse.change", {**change, **document})
    body = published(api, shanghai, answer["id"])
    record = api.get(f"/api/v1/public/records/{body['identifier']}").json
    assert record["institutions"][0]["id"] == shanghai_desk.id
