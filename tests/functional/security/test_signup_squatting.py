"""Someone holding a person's ID number and name signs up before they do. The sign-up changes nothing of the person on
the register until the institution activates it (the mobile it gives waits on the account); the institution rejects
a sign-up it does not recognise, which frees the ID number for its owner; and a sign-up never activated gives way to
a new one after 30 days — so nobody can take a registered person's mobile, or lock an ID number's owner out for good."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from models import Account, Person
from models.crypto import lookup_hash
from portal.services.accounts import PENDING_DAYS
from tests import factories
from tests.functional.security.conftest import sms_to
from tests.journeys import PASSWORD, account_of, activate, commission_desk, institution_desk, login, wait_for
from tests.nurse_journeys import entered_at_counter

pytestmark = pytest.mark.usefixtures("workers")


def person_of(db, settings, id_number: str) -> Person:
    db.expire_all()
    return db.scalar(select(Person).where(Person.id_number_hash == lookup_hash(settings.secret, id_number)))


def signup_body(data: dict, mobile: str, institution_id: int, name: str | None = None) -> dict:
    return {"profession": "nurse", "name": name or data["name"], "sex": "女", "birth_date": data["birth_date"],
            "id_type": "resident_id", "id_number": data["id_number"], "mobile": mobile, "password": PASSWORD,
            "institution_id": institution_id}


def test_a_squatters_sign_up_changes_nothing_until_activated_and_its_rejection_frees_the_number(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("冒名医院"))
    _, commission = commission_desk(api, db, "110105")
    nurse = entered_at_counter(api, desk.id, commission, date(1975, 3, 8), surname="郁")
    squatter_mobile, own_mobile = factories.unique_mobile(), factories.unique_mobile()

    api.post_json("/api/v1/signup", signup_body(nurse, squatter_mobile, desk.id), status=201)
    squatted = account_of(api, nurse["id_number"])
    held = person_of(db, settings, nurse["id_number"])
    assert (held.mobile, held.institution_id) == (nurse["mobile"], desk.id)  # the register's, untouched
    listed = api.get("/api/v1/institution/accounts", headers=desk.headers).json["items"]
    assert [item["mobile"] for item in listed if item["id"] == squatted] == [f"{squatter_mobile[:3]}****{squatter_mobile[-4:]}"]
    # Her own sign-up meanwhile makes nothing; the mobile on her register entry hears that the number is taken.
    api.post_json("/api/v1/signup", signup_body(nurse, own_mobile, desk.id), status=201)
    assert account_of(api, nurse["id_number"]) == squatted
    wait_for(lambda: any("证件号码" in text for text in sms_to(settings, nurse["mobile"])))

    # The institution does not know who signed up: it rejects; the squatter's mobile is told, the person unchanged.
    other = institution_desk(api, db, name=factories.unique_name("别家医院"))
    assert api.post_json(f"/api/v1/institution/accounts/{squatted}/reject", {}, headers=other.headers, status=404)
    assert api.post_json(f"/api/v1/institution/accounts/{squatted}/reject", {}, headers=desk.headers).json == {
        "id": squatted, "status": "rejected"}
    wait_for(lambda: any("未获该机构确认" in text for text in sms_to(settings, squatter_mobile)))
    assert person_of(db, settings, nurse["id_number"]).mobile == nurse["mobile"]
    assert api.post_json(f"/api/v1/institution/accounts/{squatted}/reject", {}, headers=desk.headers, status=404)

    # She signs up and is activated: her mobile becomes the person's, and she logs in with it.
    api.post_json("/api/v1/signup", signup_body(nurse, own_mobile, desk.id), status=201)
    mine = account_of(api, nurse["id_number"])
    assert mine != squatted
    activate(api, desk.headers, {"account_id": mine, "id_number": nurse["id_number"]})
    assert person_of(db, settings, nurse["id_number"]).mobile == own_mobile
    assert api.get("/api/v1/me/registration", headers=login(api, own_mobile)).json["registration"]["status"] == "registered"
    assert api.post_json(f"/api/v1/institution/accounts/{mine}/reject", {}, headers=desk.headers, status=409)


def test_a_number_squatted_under_another_name_is_freed_by_rejection_or_after_thirty_days(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("占号医院"))
    birth = date(1991, 7, 1)
    owner = {"name": factories.unique_name("林"), "birth_date": birth.isoformat(), "id_number": factories.resident_id(birth, sex="女")}
    squatter_mobile, own_mobile = factories.unique_mobile(), factories.unique_mobile()

    api.post_json("/api/v1/signup", signup_body(owner, squatter_mobile, desk.id, name="冒名者"), status=201)
    first = account_of(api, owner["id_number"])
    api.post_json(f"/api/v1/institution/accounts/{first}/reject", {}, headers=desk.headers)
    api.post_json("/api/v1/signup", signup_body(owner, own_mobile, desk.id), status=201)
    second = account_of(api, owner["id_number"])
    held = person_of(db, settings, owner["id_number"])
    assert second != first and (held.name, held.mobile) == (owner["name"], own_mobile)

    # Left waiting for activation beyond the time allowed, a sign-up gives way to the next one with that number.
    db.execute(update(Account).where(Account.id == second).values(created_at=Account.created_at - timedelta(days=PENDING_DAYS + 1)))
    db.commit()
    later = factories.unique_mobile()
    api.post_json("/api/v1/signup", signup_body(owner, later, desk.id), status=201)
    third = account_of(api, owner["id_number"])
    assert third not in (first, second) and db.get(Account, second).status == "rejected"
    assert person_of(db, settings, owner["id_number"]).mobile == later


def test_the_institutions_page_rejects_a_sign_up_beside_issuing_its_code(api, wsgi_app, db, settings):
    from tests.journeys import page_session

    desk = institution_desk(api, db, name=factories.unique_name("驳回页医院"))
    birth = date(1993, 2, 2)
    stranger = {"name": factories.unique_name("祁"), "birth_date": birth.isoformat(), "id_number": factories.resident_id(birth, sex="女")}
    api.post_json("/api/v1/signup", signup_body(stranger, factories.unique_mobile(), desk.id), status=201)
    account_id = account_of(api, stranger["id_number"])
    page = page_session(wsgi_app, desk.username).get("/institution")
    assert stranger["name"] in page.text
    done = page.forms[f"reject-{account_id}"].submit().follow()
    assert f"已驳回{stranger['name']}的注册申请" in done.text and f"reject-{account_id}" not in done.forms
    db.expire_all()
    assert db.get(Account, account_id).status == "rejected"
