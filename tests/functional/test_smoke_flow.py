from tests import factories
from tests.journeys import activate, login, physician_signup, staff_account, wait_status


def test_first_registration_end_to_end(api, db, settings, workers, receiver):
    inst = factories.institution(db, name="朝阳第一医院")
    staff_account(db, "institution", "chaoyang-first", institution_id=inst.id)
    staff_account(db, "commission", "cy-approver", division="110105")
    db.commit()
    inst_headers = login(api, "chaoyang-first")
    person = physician_signup(api, inst.id)
    cert = factories.qualification(db, settings, person["name"], person["id_number"])
    db.commit()
    activate(api, inst_headers, person)
    me = login(api, person["mobile"])
    app_id = api.post_json("/api/v1/applications", {"kind": "physician.first_registration", "data": {
        "certificate_no": cert, "practice_category": "临床", "practice_scope": "内科专业", "institution_id": inst.id}},
        headers=me, status=201).json["id"]
    wait_status(api, me, app_id, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{app_id}", {"decision": "confirm"}, headers=inst_headers)
    com = login(api, "cy-approver")
    from tests.journeys import wait_for
    wait_for(lambda: any(i["id"] == app_id for i in api.get("/api/v1/commission/queue", headers=com).json["items"]))
    api.post_json(f"/api/v1/commission/queue/{app_id}", {"decision": "approve"}, headers=com)
    body = wait_status(api, me, app_id, "published")
    print(body)
    rec = api.get(f"/api/v1/public/records/{body['identifier']}").json
    assert rec["name"] == person["name"]
    wait_for(lambda: body["identifier"] in receiver.held("national") and body["identifier"] in receiver.held("beijing"))
