"""Rule 2: codes and passwords cannot be guessed, and the answers do not say whether an account exists."""
from __future__ import annotations

import json
import re
import statistics
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from models import Account, AttemptCounter, AuditEntry, PasswordResetCode
from models.base import utcnow
from portal.services.password_reset import BAD_CODE, RESET_ESCALATE_AFTER, RESET_LONG_LENGTH
from tests import factories
from tests.functional.security.conftest import client, sms_to
from tests.journeys import PASSWORD, institution_desk, login, person_account, physician_signup, wait_for

CONFIRM = "/api/v1/password-reset/confirm"


@pytest.fixture
def person(db, settings):
    institution = factories.institution(db, name=factories.unique_name("猜测医院"), division="110105")
    made = person_account(db, settings, institution.id)
    db.commit()
    return made


def newest_code(settings, mobile: str, count: int) -> str:
    texts = wait_for(lambda: (lambda t: t if len(t) >= count else None)(sms_to(settings, mobile)))
    return re.search(r"验证码为 (\w+)", texts[-1]).group(1)


def let_a_minute_pass(db, account_id: int) -> None:
    db.execute(update(PasswordResetCode).where(PasswordResetCode.account_id == account_id)
               .values(created_at=utcnow() - timedelta(minutes=2)))
    db.commit()


def test_an_unknown_name_and_a_wrong_password_answer_alike(api):
    known = api.post_json("/api/v1/login", {"username": "no-such-user-x", "password": "Wrong-passw0rd"}, status=401,
                          **client("198.51.100.1")).json
    unknown = api.post_json("/api/v1/login", {"username": "13999999999", "password": "Wrong-passw0rd"}, status=401,
                            **client("198.51.100.1")).json
    assert known == unknown


def test_login_takes_as_long_whether_or_not_the_account_exists(api, person):
    def timed(username: str) -> float:
        started = time.perf_counter()
        api.post_json("/api/v1/login", {"username": username, "password": "Wrong-passw0rd"}, status=401,
                      **client(f"198.51.100.{hash(username) % 200 + 2}"))
        return time.perf_counter() - started

    known = statistics.median(timed(person["mobile"]) for _ in range(3))
    unknown = statistics.median(timed(f"1390000{n:04d}") for n in range(3))
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_guessing_from_one_address_locks_that_address_only(api, person):
    wrong = {"username": person["mobile"], "password": "Wrong-passw0rd"}
    for _ in range(4):
        api.post_json("/api/v1/login", wrong, status=401, **client("203.0.113.7"))
    assert api.post_json("/api/v1/login", wrong, status=403, **client("203.0.113.7")).json["error"]["code"] == "locked"
    right = {"username": person["mobile"], "password": PASSWORD}
    api.post_json("/api/v1/login", right, status=403, **client("203.0.113.7"))
    api.post_json("/api/v1/login", right, **client("203.0.113.8"))  # the owner, elsewhere, is not locked out


def test_a_lock_on_logging_in_never_blocks_the_password_reset(api, db, person, settings, workers):
    wrong = {"username": person["id_number"], "password": "Wrong-passw0rd"}
    for n in range(20):  # a guesser spread over twenty addresses locks the name everywhere
        api.post_json("/api/v1/login", wrong, status=(401, 403), **client(f"203.0.113.{100 + n}"))
    right = {"username": person["mobile"], "password": PASSWORD}
    assert api.post_json("/api/v1/login", right, status=403, **client("203.0.113.99")).json["error"]["code"] == "locked"
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}, **client("203.0.113.99"))
    code = newest_code(settings, person["mobile"], 1)
    api.post_json(CONFIRM, {"username": person["mobile"], "code": code, "password": "Neu-Passw0rt1"}, **client("203.0.113.99"))
    login(api, person["mobile"], "Neu-Passw0rt1")  # the reset lifted the lock


def test_reset_codes_cannot_be_brute_forced_even_by_asking_for_new_ones(api, db, person, settings, workers):
    """The measured attack: 5 guesses burn a code, then ask for a new one at once, ~130 guesses/s. Now the address is
    locked after 5 wrong guesses whatever new codes it asks for, and an account's codes become ten characters long
    after ten wrong guesses in a day, however many addresses guess."""
    attacker = client("203.0.113.50")
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}, **attacker)
    newest_code(settings, person["mobile"], 1)
    for guess in range(4):
        body = {"username": person["mobile"], "code": f"{guess:06d}", "password": "Attack-passw0rd"}
        assert api.post_json(CONFIRM, body, status=400, **attacker).json["error"]["fields"] == {"code": BAD_CODE}
    api.post_json(CONFIRM, {**body, "code": "999998"}, status=403, **attacker)
    let_a_minute_pass(db, person["account_id"])
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}, **attacker)
    newest_code(settings, person["mobile"], 2)
    assert api.post_json(CONFIRM, {**body, "code": "999997"}, status=403, **attacker).json["error"]["code"] == "locked"
    for n in range(RESET_ESCALATE_AFTER):  # many addresses
        api.post_json(CONFIRM, {**body, "code": f"{900000 + n:06d}"}, status=(400, 403), **client(f"203.0.113.{60 + n}"))
    let_a_minute_pass(db, person["account_id"])
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}, **client("203.0.113.90"))
    long_code = newest_code(settings, person["mobile"], 3)
    assert len(long_code) == RESET_LONG_LENGTH  # the owner can still reset; six-digit guessing is over
    api.post_json(CONFIRM, {"username": person["mobile"], "code": long_code.lower(), "password": "Owner-passw0rd"},
                  **client("203.0.113.91"))


def test_asking_for_codes_does_not_void_the_one_the_owner_has(api, db, person, settings, workers):
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}, **client("203.0.113.30"))
    owners = newest_code(settings, person["mobile"], 1)
    let_a_minute_pass(db, person["account_id"])
    api.post_json("/api/v1/password-reset/request", {"username": person["mobile"]}, **client("203.0.113.31"))
    newest_code(settings, person["mobile"], 2)
    api.post_json(CONFIRM, {"username": person["mobile"], "code": owners, "password": "Owner-passw0rd"}, **client("203.0.113.30"))


def test_an_activation_code_allows_five_wrong_guesses_then_is_spent(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("激活猜测"))
    person = physician_signup(api, desk.id, name=factories.unique_name())
    code = api.post_json(f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=desk.headers).json["code"]
    for n in range(5):
        wrong = f"{(int(code) + n + 1) % 10**6:06d}"
        api.post_json("/api/v1/activate", {"username": person["id_number"], "code": wrong}, status=400, **client(f"192.0.2.{50 + n}"))
    api.post_json("/api/v1/activate", {"username": person["id_number"], "code": code}, status=400, **client("192.0.2.70"))


def test_one_address_with_many_failures_gets_429_but_many_successes_are_not_slowed(app_with, db, settings):
    portal = app_with(client_failure_limit=10)
    institution = factories.institution(db, name=factories.unique_name("网关医院"), division="110105")
    staff = [person_account(db, settings, institution.id) for _ in range(3)]
    db.commit()
    gateway = client("198.18.0.1")
    for _ in range(30):  # a hospital's HR office behind one gateway
        for member in staff:
            portal.post_json("/api/v1/login", {"username": member["mobile"], "password": PASSWORD}, **gateway)
    attacker = client("198.18.0.2")
    answers = [portal.post_json("/api/v1/login", {"username": f"1380000{n:04d}", "password": "x1234567"}, expect_errors=True,
                                **attacker) for n in range(11)]
    assert answers[-1].status_int == 429 and int(answers[-1].headers["Retry-After"]) > 0
    portal.post_json("/api/v1/login", {"username": staff[0]["mobile"], "password": PASSWORD}, status=429, **attacker)


def test_sign_up_answers_the_same_for_a_taken_id_number_and_tells_the_owner(api, db, settings, workers):
    desk = institution_desk(api, db, name=factories.unique_name("注册探测"))
    person = physician_signup(api, desk.id, name=factories.unique_name())
    again = {key: person[key] for key in ("profession", "name", "sex", "birth_date", "id_type", "id_number", "password",
                                          "institution_id")}
    born = date.fromisoformat(person["birth_date"])
    fresh = api.post_json("/api/v1/signup", {**again, "id_number": factories.resident_id(born), "mobile": factories.unique_mobile()},
                          status=201).json
    taken = api.post_json("/api/v1/signup", {**again, "mobile": factories.unique_mobile()}, status=201).json
    mobile_taken = api.post_json("/api/v1/signup", {**again, "id_number": factories.resident_id(born), "mobile": person["mobile"]},
                                 status=201).json
    after = api.post_json("/api/v1/signup", {**again, "id_number": factories.resident_id(born), "mobile": factories.unique_mobile()},
                          status=201).json
    answers = [fresh, taken, mobile_taken, after]
    assert len({json.dumps({k: v for k, v in a.items() if k != "account_id"}, sort_keys=True) for a in answers}) == 1
    # Every answer carries an account id, the refused ones too, drawn from the same sequence in order: neither the
    # number nor the next new account's number shows that no account was made.
    ids = [a["account_id"] for a in answers]
    assert ids == sorted(ids) and len(set(ids)) == 4
    made = set(db.scalars(select(Account.id).where(Account.id.in_(ids))))
    assert made == {ids[0], ids[3]}
    wait_for(lambda: any("证件号码" in text for text in sms_to(settings, person["mobile"])))
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "signup_refused")) is not None


def test_counters_live_in_the_database(db):
    assert db.scalar(select(AttemptCounter.id).limit(1)) is not None


def test_asking_for_reset_codes_is_limited_per_address(app_with):
    portal = app_with(reset_requests_per_client=3)
    sender = client("198.18.0.9")
    for n in range(3):
        portal.post_json("/api/v1/password-reset/request", {"username": f"1370000{n:04d}"}, **sender)
    refused = portal.post_json("/api/v1/password-reset/request", {"username": "13700009999"}, status=429, **sender)
    assert refused.json["error"]["code"] == "rate_limited" and refused.headers["Retry-After"]
