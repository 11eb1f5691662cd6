"""Rule 2, by the clock: the answers that say the same whether or not an account exists also take the same time.
Sign-up did not: a new account took 40 ms on `medreg serve`, a taken ID number 29 ms, every time, so an attacker
who calibrated with made-up ID numbers learned which numbers have an account; a reset request for an account did
more work than one for nobody. These requests now take FLOOR_SECONDS, their transaction included (portal/uniform.py)."""
from __future__ import annotations

import statistics
import time
from datetime import date

import pytest

from portal.uniform import FLOOR_SECONDS
from tests import factories
from tests.functional.security.conftest import client
from tests.journeys import institution_desk, physician_signup

ROUNDS = 5


def timed(send) -> float:
    started = time.perf_counter()
    send()
    return time.perf_counter() - started


@pytest.fixture
def api(app_with):
    """The portal with the production floor (the suite's settings turn it off)."""
    return app_with(uniform_answer_seconds=FLOOR_SECONDS)


def test_sign_up_takes_the_same_time_for_a_new_and_a_taken_id_number(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("计时注册"))
    person = physician_signup(api, desk.id, name=factories.unique_name())
    again = {key: person[key] for key in ("profession", "name", "sex", "birth_date", "id_type", "password", "institution_id")}
    born = date.fromisoformat(person["birth_date"])

    def signup(id_number: str) -> None:
        api.post_json("/api/v1/signup", {**again, "id_number": id_number, "mobile": factories.unique_mobile()}, status=201)

    new = [timed(lambda: signup(factories.resident_id(born))) for _ in range(ROUNDS)]
    taken = [timed(lambda: signup(person["id_number"])) for _ in range(ROUNDS)]
    assert min(new + taken) >= FLOOR_SECONDS, (new, taken)
    assert abs(statistics.median(new) - statistics.median(taken)) < 0.02, (new, taken)
    # The page's form is the same request to the same service.
    form = {**again, "id_number": person["id_number"], "mobile": factories.unique_mobile()}
    page = timed(lambda: api.post("/signup", form, status="*"))
    assert page >= FLOOR_SECONDS


def test_a_reset_request_takes_the_same_time_for_an_account_and_for_nobody(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("计时重置"))
    person = physician_signup(api, desk.id, name=factories.unique_name())

    def reset(username: str, address: str) -> None:
        answer = api.post_json("/api/v1/password-reset/request", {"username": username}, **client(address)).json
        assert answer["status"] == "sent_if_exists"

    known = [timed(lambda n=n: reset(person["mobile"], f"203.0.113.{n + 1}")) for n in range(ROUNDS)]
    unknown = [timed(lambda n=n: reset(factories.unique_mobile(), f"203.0.113.{n + 101}")) for n in range(ROUNDS)]
    assert min(known + unknown) >= FLOOR_SECONDS, (known, unknown)
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.02, (known, unknown)


def test_the_floor_is_a_setting(app_with):
    unheld = app_with(uniform_answer_seconds=0.0)
    assert timed(lambda: unheld.post_json("/api/v1/password-reset/request", {"username": "13700000000"},
                                          **client("203.0.113.250"))) < FLOOR_SECONDS


def test_other_requests_are_not_held(api):
    assert timed(lambda: api.get("/api/v1/public/licence-keys")) < FLOOR_SECONDS
