"""Answers whose time could tell whether an ID number, a mobile or a username has an account. Sign-up answers a taken
ID number exactly like a new one, and a password-reset request `sent_if_exists` either way, but the work behind the
two answers differs: a new account is a person, an account and an audit entry, a refused one an SMS to the owner;
a reset for an existing account looks up its codes and queues an SMS, one for nobody returns at once. Measured on
`medreg serve`: sign-up 40 ms new against 29 ms taken, every time — an oracle an attacker calibrates with made-up
ID numbers.

So these requests (UNIFORM: the API's and the pages' sign-up, activation and reset) are answered no sooner than
Settings.uniform_answer_seconds (MEDREG_UNIFORM_ANSWER_SECONDS, default FLOOR_SECONDS) after they arrived,
their transaction committed (the tween wraps pyramid_tm's): both answers take the
floor unless the server is so loaded that the work alone takes longer. The floor is well above the slowest path
(one argon2 hash and a handful of statements) and short enough to go unnoticed on a form sent once."""
from __future__ import annotations

import time

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

FLOOR_SECONDS = 0.25
UNIFORM = frozenset({
    ("POST", "/api/v1/signup"), ("POST", "/signup"),
    ("POST", "/api/v1/activate"), ("POST", "/activate"),
    ("POST", "/api/v1/password-reset/request"), ("POST", "/api/v1/password-reset/confirm"), ("POST", "/password-reset"),
})


def uniform_time_tween_factory(handler, registry):
    floor = registry.settings["medreg"].uniform_answer_seconds

    def uniform_time_tween(request: Request) -> Response:
        if floor <= 0 or (request.method, request.path_info) not in UNIFORM:
            return handler(request)
        started = time.monotonic()
        try:
            return handler(request)
        finally:
            remaining = floor - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)

    return uniform_time_tween


def includeme(config: Configurator) -> None:
    # Outside the request's transaction, so that its commit is inside the time measured; under the rate limit, so a
    # refused flood is refused at once.
    config.add_tween("portal.uniform.uniform_time_tween_factory", under="portal.hot_path.hot_path_tween_factory",
                     over="pyramid_tm.tm_tween_factory")
