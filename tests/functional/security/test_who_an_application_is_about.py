"""Who an application is about is settled when it is filed: an approval changes the person it holds. Resubmitting a
returned application passes the same checks as filing it — it cannot name another person (the approver would see one
and the register change another), nor a person of another institution, nor an institution that does not exist (a 400,
not a 500) — and a nurse filing her own cancellation can name only herself. A refusal changes nothing."""
from __future__ import annotations

from datetime import timedelta

from models import Application
from pipeline import clock
from tests import factories
from tests.functional.test_physician_business import registered_physician
from tests.journeys import institution_desk, login, page_session, person_account
from tests.nurse_journeys import nurse, registered


def returned(db, application_id: int) -> Application:
    item = db.get(Application, application_id)
    item.status = "returned"
    db.commit()
    return item


def as_filed(db, application_id: int) -> tuple:
    db.expire_all()
    item = db.get(Application, application_id)
    return item.status, item.person_id, item.institution_id, item.data, len(item.history)


def test_a_returned_departure_filing_cannot_be_resubmitted_about_another_physician(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("备案重交医院"))
    first, second = registered_physician(api, db, settings, desk), registered_physician(api, db, settings, desk)
    elsewhere = registered_physician(api, db, settings, institution_desk(api, db, name=factories.unique_name("别处医院")))
    left_on = (clock.today() - timedelta(days=3)).isoformat()
    data = {"identifier": first["identifier"], "reason": "transfer", "left_on": left_on}
    filed = api.post_json("/api/v1/applications", {"kind": "physician.departure_filing", "data": data}, headers=desk.headers).json
    returned(db, filed["id"])
    before = as_filed(db, filed["id"])

    for other, code in ((second, "mismatch"), (elsewhere, "not_found")):
        body = {"data": {**data, "identifier": other["identifier"], "reason": "retirement"}}
        refused = api.post_json(f"/api/v1/applications/{filed['id']}/resubmit", body, headers=desk.headers, status=400).json
        assert refused["error"]["fields"]["identifier"] and refused["error"]["code"] == "invalid"
        assert code in str(refused["error"]), refused
        assert as_filed(db, filed["id"]) == before
    # About the same physician, corrected: taken.
    again = api.post_json(f"/api/v1/applications/{filed['id']}/resubmit", {"data": {**data, "reason": "retirement"}},
                          headers=desk.headers).json
    assert again["status"] == "submitted"
    assert as_filed(db, filed["id"])[1:4] == (first["person_id"], desk.id, {**data, "reason": "retirement"})


def test_a_resubmission_naming_an_institution_that_does_not_exist_is_refused_on_the_field(api, wsgi_app, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("重交医院"))
    person = person_account(db, settings, desk.id)
    item = factories.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"], "returned")
    db.commit()
    before = as_filed(db, item.id)
    body = {"data": {**item.data, "institution_id": 2147483647}}
    refused = api.post_json(f"/api/v1/applications/{item.id}/resubmit", body, headers=login(api, person["mobile"]), status=400).json
    assert refused["error"]["fields"] == {"institution_id": "执业机构不存在"}
    assert as_filed(db, item.id) == before
    # The page's form, the institution's id forged: the same reason beside the field, the form kept.
    page = page_session(wsgi_app, person["mobile"]).get(f"/me/applications/{item.id}")
    form = next(form for form in page.forms.values() if "resubmit" in (form.action or ""))
    form["institution_id"].force_value("2147483647")
    shown = form.submit(status=400)
    assert "执业机构不存在" in shown.html.select_one("#institution_id-error").text
    assert as_filed(db, item.id) == before


def test_a_nurse_cancelling_her_own_registration_can_name_only_herself(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("注销护理医院"))
    herself, another = nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id)
    registered(db, herself, desk.id)
    registered(db, another, desk.id)
    count = db.query(Application).filter(Application.person_id.in_([herself["person_id"], another["person_id"]])).count()

    body = {"kind": "nurse.cancellation", "data": {"reason": "出国定居", "identifier": another["identifier"]}}
    refused = api.post_json("/api/v1/applications", body, headers=herself["headers"], status=400).json
    assert "本人" in refused["error"]["fields"]["identifier"]
    assert db.query(Application).filter(Application.person_id.in_([herself["person_id"], another["person_id"]])).count() == count
    # Her own identifier, or none, is her own cancellation.
    own = api.post_json("/api/v1/applications", {**body, "data": {**body["data"], "identifier": herself["identifier"]}},
                        headers=herself["headers"]).json
    assert as_filed(db, own["id"])[1] == herself["person_id"]
