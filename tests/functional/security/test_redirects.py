"""Open redirects and header injection through the login page's `next`: only a plain path of this site is followed.
A `next` with a CR and LF (`/%0d%0aSet-Cookie:…`, a link anyone can send) made the login answer 500 after the right
password — WebOb refuses such a Location — so a crafted link broke logging in; a backslash is a slash to browsers."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from webtest import TestApp

from tests import factories
from tests.journeys import PASSWORD, staff_account, unique_username

OFF_SITE = ["//evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "https:evil.example",
            "http://evil.example/", "javascript:alert(1)", "/\r\nSet-Cookie: stolen=1", "/\nLocation: http://evil.example/",
            "/\u2028evil", " /me"]


@pytest.fixture(scope="module")
def username(settings):
    from models.db import session_scope

    with session_scope(settings.database_url) as session:
        factories.divisions(session)
        name = unique_username("redirect")
        staff_account(session, "commission", name, division="110105")
    return name


def log_in(wsgi_app, username: str, next_url: str):
    app = TestApp(wsgi_app)
    token = app.get("/login").html.select_one("input[name=csrf_token]")["value"]
    return app.post(f"/login?next={quote(next_url, safe='')}",
                    {"username": username, "password": PASSWORD, "csrf_token": token}, expect_errors=True)


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_a_next_that_is_not_a_plain_path_here_goes_home(wsgi_app, username, next_url):
    answer = log_in(wsgi_app, username, next_url)
    assert answer.status_int == 302, answer.status
    assert answer.location == "http://localhost/commission"
    assert "stolen" not in answer.headers.get("Set-Cookie", "")


def test_a_plain_path_is_followed(wsgi_app, username):
    assert log_in(wsgi_app, username, "/commission/search?q=%E5%BC%A0").location == "http://localhost/commission/search?q=%E5%BC%A0"
