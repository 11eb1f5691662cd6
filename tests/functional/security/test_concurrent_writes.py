"""Requests that race answer as if they had come one after the other: a write that meets a concurrent one's (the
same username taken by two administrators at once, two clerks of a county handing out accounts at the same moment) is
run again from the start — with no attempt left, 409 and a Chinese reason, never 500 — and the same application
submitted sixteen times at once is filed once."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, text
from webtest import TestApp

from models import Account, ActivationCode, Application, Institution, Person
from models.crypto import lookup_hash
from models.db import session_factory
from pipeline.lifecycle import OPEN_STATUSES
from portal import make_config
from portal.errors import CONCURRENT
from tests import factories
from tests.institution_steps import setup_approval
from tests.journeys import (
    PASSWORD,
    commission_desk,
    institution_desk,
    login,
    page_session,
    physician_signup,
    staff_account,
    unique_username,
)
from tests.nurse_journeys import nurse, registered
from tests.racing import THREADS, at_once, served


@pytest.fixture(scope="module")
def portal_url(settings):
    with served(make_config({}, settings).make_wsgi_app()) as url:
        yield url


def new_administrator(db, prefix: str) -> str:
    """A commission administrator of 110105 (committed): its username."""
    factories.divisions(db)
    username = unique_username(prefix)
    staff_account(db, "commission", username, division="110105").admin = True
    db.commit()
    return username


@pytest.fixture
def administrator(api, db) -> dict:
    return login(api, new_administrator(db, "racer"))


def messages(answers) -> Counter:
    return Counter((status, body.get("error", {}).get("message")) for status, body in answers)


def test_the_same_username_created_at_once_is_made_once_and_refused_as_taken_for_the_rest(portal_url, administrator, db):
    name = unique_username("twin")
    body = {"username": name, "password": "Colleague-2026", "division": "110105", "mobile": "13700001111"}
    answers = at_once(f"{portal_url}/api/v1/commission/accounts", [body] * THREADS, administrator)
    assert messages(answers) == {(201, None): 1, (409, f"用户名 {name} 已存在"): THREADS - 1}
    assert db.scalar(select(Account.id).where(Account.username == name)) is not None


def test_hand_outs_in_one_county_at_once_each_get_their_own_account(portal_url, api, db):
    _, headers = commission_desk(api, db, "110101")
    bodies = [setup_approval(division="110101", name=factories.unique_name("并发机构")) for _ in range(THREADS)]
    answers = at_once(f"{portal_url}/api/v1/commission/institutions", bodies, headers)
    assert [status for status, _ in answers] == [201] * THREADS
    accounts = [body["account_id"] for _, body in answers]
    usernames = db.scalars(select(Account.username).where(Account.id.in_(accounts))).all()
    assert len(set(usernames)) == THREADS and all(name.startswith("jg110101") for name in usernames)
    made = db.scalars(select(Institution.name).where(Institution.name.in_([body["name"] for body in bodies]))).all()
    assert len(made) == THREADS


def open_applications(db, kind: str, **about: int) -> int:
    conditions = [getattr(Application, column) == value for column, value in about.items()]
    return db.scalar(select(func.count()).select_from(Application).where(
        Application.kind == kind, Application.status.in_([str(s) for s in OPEN_STATUSES]), *conditions))


def test_a_nurses_application_sent_sixteen_times_at_once_is_filed_once(portal_url, api, db, settings):
    desk = institution_desk(api, db)
    person = nurse(api, db, settings, desk.id)
    registered(db, person, desk.id)
    body = {"kind": "nurse.info_change", "data": {"title": "主管护师"}}
    answers = at_once(f"{portal_url}/api/v1/applications", [body] * THREADS, person["headers"])
    assert messages(answers) == {(201, None): 1, (409, "已有一件办理中的“护士个人信息变更”申请，不能重复提交"): THREADS - 1}
    assert open_applications(db, "nurse.info_change", person_id=person["person_id"]) == 1


def test_an_institutions_own_application_sent_sixteen_times_at_once_is_filed_once(portal_url, api, db):
    desk = institution_desk(api, db)
    answers = at_once(f"{portal_url}/api/v1/applications", [{"kind": "institution.verification", "data": {}}] * THREADS,
                      desk.headers)
    assert [status for status, _ in answers].count(201) == 1
    assert {status for status, _ in answers} == {201, 409}
    assert open_applications(db, "institution.verification", institution_id=desk.id, person_id=None) == 1


def signups(desk_id: int, id_numbers: list[str], mobile: str) -> list[dict]:
    return [{"profession": "physician", "name": "张医生", "sex": "男", "birth_date": "1990-05-17", "id_type": "resident_id",
             "id_number": id_number, "mobile": mobile, "password": PASSWORD, "institution_id": desk_id}
            for id_number in id_numbers]


def persons_with(db, settings, mobile: str | None = None, id_number: str | None = None) -> int:
    condition = Person.mobile == mobile if mobile else Person.id_number_hash == lookup_hash(settings.secret, id_number)
    return db.scalar(select(func.count()).select_from(Person).where(condition))


def test_sign_ups_of_several_id_numbers_with_one_mobile_at_once_give_it_to_one_person(portal_url, api, db, settings):
    desk = institution_desk(api, db)
    mobile = factories.unique_mobile()
    bodies = signups(desk.id, [factories.resident_id(date(1990, 5, 17)) for _ in range(THREADS)], mobile)
    answers = at_once(f"{portal_url}/api/v1/signup", bodies)
    assert [status for status, _ in answers] == [201] * THREADS  # the answer never tells whether the mobile was taken
    assert persons_with(db, settings, mobile=mobile) == 1


def test_one_id_number_signed_up_at_once_makes_one_person_and_one_account(portal_url, api, db, settings):
    desk = institution_desk(api, db)
    id_number = factories.resident_id(date(1990, 5, 17))
    answers = at_once(f"{portal_url}/api/v1/signup", signups(desk.id, [id_number] * THREADS, factories.unique_mobile()))
    assert [status for status, _ in answers] == [201] * THREADS
    assert persons_with(db, settings, id_number=id_number) == 1


def test_activation_codes_issued_at_once_leave_one_live_code(portal_url, api, db):
    desk = institution_desk(api, db)
    person = physician_signup(api, desk.id)
    answers = at_once(f"{portal_url}/api/v1/institution/accounts/{person['account_id']}/activation-code", [{}] * THREADS,
                      desk.headers)
    assert {status for status, _ in answers} == {200}
    live = db.scalar(select(func.count()).select_from(ActivationCode).where(
        ActivationCode.account_id == person["account_id"], ActivationCode.used_at.is_(None)))
    assert live == 1


def lost_race(settings, db, username: str, submit):
    """Run `submit` (a request creating the staff account `username`) in a thread while another transaction holds an
    uncommitted account of that name, so the request's INSERT waits on the unique key; commit that transaction once
    the request waits, and give its answer: the INSERT then fails with a unique violation — a race lost, every time."""
    holder = session_factory(settings.database_url)()
    try:
        staff_account(holder, "commission", username, division="110105")  # flushed, not committed: the key is held
        answer: list = []
        thread = threading.Thread(target=lambda: answer.append(submit()))
        thread.start()
        deadline = time.monotonic() + 30
        while not db.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")):
            assert time.monotonic() < deadline, "the request never waited for the uncommitted row"
            time.sleep(0.05)
        holder.commit()
        thread.join(timeout=30)
        return answer[0]
    finally:
        holder.close()


@pytest.mark.parametrize("attempts", ["3", "1"])
def test_a_page_whose_write_lost_a_race_says_why_in_chinese(settings, db, attempts):
    """On a page too: run again, the form is refused as the name is taken; with no attempt left, 409 and the reason."""
    browser = page_session(make_config({"retry.attempts": attempts}, settings).make_wsgi_app(), new_administrator(db, "pageadm"))
    form = browser.get("/commission/accounts").forms["staff-form"]
    name = unique_username("pagetwin")
    form["username"], form["password"], form["division"] = name, "Colleague-2026", "110105"
    page = lost_race(settings, db, name, lambda: form.submit(status="*"))
    assert page.status_int == 409 and page.content_type == "text/html"
    assert (f"用户名 {name} 已存在" if attempts == "3" else CONCURRENT) in page.text


@pytest.mark.parametrize(("attempts", "padding"), [("3", 0), ("1", 0), ("3", 12_000)])
def test_an_api_write_that_lost_its_race_is_run_again_or_refused_with_a_reason(settings, db, attempts, padding):
    """Run again, the request is refused as the name is taken; with one attempt only (`retry.attempts` in the .ini),
    409 and the Chinese reason, never 500. A JSON body over 10 KB (`padding` spaces: WebOb keeps it in a temporary
    file, which used to be closed when the first attempt ended) is read again."""
    api = TestApp(make_config({"retry.attempts": attempts}, settings).make_wsgi_app())
    headers = {**login(api, new_administrator(db, "apiadm")), "Content-Type": "application/json"}
    name = unique_username("apitwin")
    body = json.dumps({"username": name, "password": "Colleague-2026", "division": "110105"}) + " " * padding
    answer = lost_race(settings, db, name, lambda: api.post("/api/v1/commission/accounts", body, headers=headers, status="*"))
    assert answer.status_int == 409
    assert answer.json["error"]["message"] == (f"用户名 {name} 已存在" if attempts == "3" else CONCURRENT)
