"""Rule 9: headers and cookies — CSP, no framing, nosniff, Referrer-Policy, no-store on everything a logged-in
account sees, Secure cookies and HSTS over TLS; oversize bodies get 413; every page error is a styled page."""
from __future__ import annotations

from webtest import TestApp

from portal.headers import MAX_BODY_BYTES, MAX_JSON_BYTES
from tests import factories
from tests.journeys import PASSWORD, institution_desk, login, person_account


def assert_guarded(response) -> None:
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_every_answer_carries_the_security_headers(api):
    for path in ("/", "/login", "/public", "/api/v1/openapi.json", "/api/v1/docs", "/no-such-page"):
        assert_guarded(api.get(path, status="*"))
    assert_guarded(api.post_json("/api/v1/login", {"username": "x", "password": "y"}, status=401))


def test_the_api_docs_load_only_same_origin_scripts(api):
    page = api.get("/api/v1/docs")
    sources = [tag["src"] for tag in page.html.select("script")]
    assert sources and all(src.startswith("/") for src in sources)
    assert not [tag for tag in page.html.select("script") if tag.string and tag.string.strip()]


def test_authenticated_answers_and_pages_are_not_stored(api, db, settings, wsgi_app):
    desk = institution_desk(api, db, name=factories.unique_name("缓存医院"))
    assert api.get("/api/v1/institution/profile", headers=desk.headers).headers["Cache-Control"] == "no-store"
    person = person_account(db, settings, desk.id)
    db.commit()
    browser = TestApp(wsgi_app)
    form = browser.get("/login").forms[0]
    form["username"], form["password"] = person["mobile"], PASSWORD
    form.submit()
    assert browser.get("/me").headers["Cache-Control"] == "no-store"


def test_an_anonymous_page_that_sets_the_session_cookie_is_not_stored(api):
    # The session cookie (with its CSRF token) is set after every tween ran: it was sent without Cache-Control.
    for path in ("/login", "/signup", "/password-reset", "/activate"):
        page = TestApp(api.app).get(path)
        assert page.headers.getall("Set-Cookie"), path
        assert page.headers["Cache-Control"] == "no-store" and page.headers["Pragma"] == "no-cache", path
    # No cookie, nobody logged in: may be cached. (A name nobody holds: the answer is not about other tests' records.)
    public = TestApp(api.app).get("/api/v1/public/physicians", {"name": factories.unique_name()})
    assert not public.headers.getall("Set-Cookie") and public.headers.get("Cache-Control") != "no-store"


def test_over_tls_cookies_are_secure_and_hsts_is_sent(app_with):
    portal = app_with(tls=True)
    page = portal.get("/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = page.headers.getall("Set-Cookie")
    assert cookies and all("; secure" in cookie.lower() and "httponly" in cookie.lower() for cookie in cookies)
    assert "Strict-Transport-Security" not in app_with(tls=False).get("/login").headers


def test_oversize_bodies_get_413(api, db):
    big = b'{"username": "' + b"x" * (MAX_JSON_BYTES + 1) + b'", "password": "y"}'
    refused = api.post("/api/v1/login", big, content_type="application/json", status=413).json["error"]
    assert refused["code"] == "too_large" and "body" in refused["fields"]
    desk = institution_desk(api, db, name=factories.unique_name("上传医院"))
    upload = b"kind\n" + b"x" * (MAX_BODY_BYTES + 1)
    api.post("/api/v1/institution/batches", upload, content_type="text/csv", headers=desk.headers, status=413)
    assert "请求过大" in api.post("/login", b"x" * (MAX_BODY_BYTES + 1), content_type="application/x-www-form-urlencoded",
                               status=413).text


def test_page_errors_are_styled_chinese_pages(api, monkeypatch):
    for path, status in (("/no-such-page", 404),):
        page = api.get(path, status=status)
        assert page.content_type == "text/html" and "portal.css" in page.text and "返回首页" in page.text
    from portal.pages import accounts as account_pages

    def broken(request):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(account_pages, "institution_field", lambda request, *args: broken(request))
    failed = api.get("/signup", status=500)
    assert failed.content_type == "text/html" and "服务器内部错误" in failed.text and "SELECT" not in failed.text
    assert "portal.css" in failed.text
    assert api.get("/api/v1/openapi.json").status_int == 200
    assert api.delete("/login", status=(400, 404, 405)).content_type == "text/html"


def test_a_query_that_is_not_utf8_is_a_400(api):
    assert api.get("/api/v1/public/physicians?name=%ff%fe", status=400).json["error"]["code"] == "invalid"
    assert api.get("/public?name=%ff", status=(200, 400)).status_int in (200, 400)


def test_login_token_is_refused_on_pages_and_the_cookie_on_the_api(api, db, settings, wsgi_app):
    desk = institution_desk(api, db, name=factories.unique_name("分离医院"))
    token = login(api, desk.username)
    assert TestApp(wsgi_app).get("/institution", headers=token).status_int == 302


def test_the_temporary_files_of_an_upload_are_closed_when_it_is_answered(wsgi_app):
    seen = {}

    def keeping_environ(environ, start_response):
        seen["environ"] = environ
        return wsgi_app(environ, start_response)

    big = "姓名\n" + "测试\n" * 20_000  # over webob's 10 KB: the body and the file each go to a temporary file
    TestApp(keeping_environ).post("/login", {"username": "x"}, upload_files=[("file", "big.csv", big.encode())], status="*")
    values, body = seen["environ"]["webob._parsed_post_vars"]
    uploads = [value.file for value in values.values() if hasattr(value, "file")]
    assert uploads and all(upload.closed for upload in uploads)
    assert body.closed
