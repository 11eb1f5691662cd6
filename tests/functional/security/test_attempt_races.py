"""Rule 2 under concurrency: attempt limits hold when the guesses arrive at once. The portal is served by waitress on
127.0.0.1 with many threads, and the guesses are real HTTP requests released together, so they race as they would
from an attacker's script: no more full checks of a secret than the limit allows for a (name, client) pair."""
from __future__ import annotations

import pytest

from portal import make_config
from portal.services.attempts import LOGIN, PASSWORD
from tests import factories
from tests.journeys import PASSWORD as RIGHT_PASSWORD
from tests.journeys import login, person_account, unique_username
from tests.racing import at_once, outcomes, post, served


@pytest.fixture(scope="module")
def portal_url(settings):
    with served(make_config({}, settings).make_wsgi_app()) as url:
        yield url


def test_simultaneous_wrong_passwords_for_an_unknown_name_get_no_more_checks_than_the_limit(portal_url):
    name = unique_username("ghostrace")
    answers = at_once(f"{portal_url}/api/v1/login", [{"username": name, "password": f"wrong{n}"} for n in range(32)])
    # The first four failures answer 401; the fifth is checked, counted and locks (403); the rest are not checked.
    assert outcomes(answers) == {(401, "unauthorized"): LOGIN.pair.failures - 1, (403, "locked"): 32 - (LOGIN.pair.failures - 1)}


def test_simultaneous_wrong_passwords_for_a_real_account_get_no_more_checks_than_the_limit(portal_url, db, settings):
    institution = factories.institution(db, name=factories.unique_name("并发医院"), division="110105")
    person = person_account(db, settings, institution.id)
    db.commit()
    answers = at_once(f"{portal_url}/api/v1/login", [{"username": person["mobile"], "password": f"Wrong-{n}"} for n in range(40)])
    assert outcomes(answers) == {(401, "unauthorized"): LOGIN.pair.failures - 1, (403, "locked"): 40 - (LOGIN.pair.failures - 1)}
    status, body = post(f"{portal_url}/api/v1/login", {"username": person["mobile"], "password": RIGHT_PASSWORD})
    assert (status, body["error"]["code"]) == (403, "locked")  # the pair stays locked, the right password too


def test_right_and_wrong_passwords_at_once_still_let_the_owner_in(portal_url, db, settings):
    """Taking turns does not refuse the owner: a success among failures below the limit still logs in."""
    institution = factories.institution(db, name=factories.unique_name("并发医院"), division="110105")
    person = person_account(db, settings, institution.id)
    db.commit()
    bodies = [{"username": person["mobile"], "password": f"Wrong-{n}"} for n in range(3)]
    bodies.append({"username": person["mobile"], "password": RIGHT_PASSWORD})
    answers = at_once(f"{portal_url}/api/v1/login", bodies)
    assert outcomes(answers)[(200, None)] == 1
    assert sum(1 for status, _ in answers if status == 401) <= 3


def test_simultaneous_wrong_old_passwords_get_no_more_checks_than_the_limit(portal_url, api, db, settings):
    """The same helper guards the old password when changing it (and the second factor's first code)."""
    institution = factories.institution(db, name=factories.unique_name("并发医院"), division="110105")
    person = person_account(db, settings, institution.id)
    db.commit()
    headers = login(api, person["mobile"])
    bodies = [{"old_password": f"Wrong-{n}", "new_password": "Neu-Passw0rt-2026"} for n in range(24)]
    answers = at_once(f"{portal_url}/api/v1/password", bodies, headers)
    assert outcomes(answers) == {(400, "invalid"): PASSWORD.pair.failures - 1, (403, "locked"): 24 - (PASSWORD.pair.failures - 1)}
