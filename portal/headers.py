"""What every answer carries, and what no request may be: security headers, no caching of anything a logged-in
account sees, and a limit on the size of a request body (413).

- `Content-Security-Policy`: only this site's own scripts, styles, images (and `data:` images, which Swagger UI's
  stylesheet uses), no plugins, no framing (`frame-ancestors 'none'`), forms post only here.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY` (older browsers).
- `Cache-Control: no-store` on every answer to a logged-in account (pages with decrypted ID numbers, exports) and
  on every answer that sets a cookie.
- `Strict-Transport-Security` when the deployment says it is served over TLS (Settings.tls, MEDREG_TLS).
- A JSON body over MAX_JSON_BYTES, or any body over MAX_BODY_BYTES (CSV uploads), is refused with 413 before a
  view reads it. Limits are listed in docs/security.md.
"""
from __future__ import annotations

import io
import re
from typing import Any

from pyramid.config import Configurator
from pyramid.events import NewResponse
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS
from pyramid_retry import is_error_retryable

MAX_JSON_BYTES = 4 * 1024 * 1024  # a 2 MB photo is 2.7 MB in base64
MAX_BODY_BYTES = 8 * 1024 * 1024
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def body_limit(request: Request) -> int:
    media = (request.content_type or "").lower()
    return MAX_JSON_BYTES if media == "application/json" or media.endswith("+json") else MAX_BODY_BYTES


def too_large(request: Request, limit: int) -> Response:
    from portal.errors import error_response

    message = f"请求体过大（上限 {limit // (1024 * 1024)} MB）"
    if request.path.startswith("/api/"):
        return error_response(413, "too_large", message, {"body": message}, {"body": "too_large"})
    from portal.pages.errors import error_page

    return error_page(request, 413, message)


def oversized(request: Request) -> int | None:
    """The limit a request's body exceeds (declared length, or what a chunked body turns out to hold), or None."""
    limit = body_limit(request)
    length = request.content_length
    if length is not None:
        return limit if length > limit else None
    if request.method in ("POST", "PUT", "PATCH") and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        body = request.body_file_raw.read(limit + 1)
        if len(body) > limit:
            return limit
        request.body = body
    return None


# A path segment of digits names a row by id: beyond MAX_ID_DIGITS it cannot exist (ids are 32-bit integers).
MAX_ID_DIGITS = 9
_HUGE_ID = re.compile(r"/[0-9]{" + str(MAX_ID_DIGITS + 1) + r",}(?=/|$)")


def no_such_id(request: Request) -> Response:
    from portal.errors import error_response

    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "资源不存在")
    from portal.pages.errors import error_page

    return error_page(request, 404, "页面不存在")


def has_nul(request: Request) -> bool:
    """A NUL character in the query string or a form: no text column can store it."""
    if "%00" in request.query_string:
        return True
    return (request.content_type or "") == "application/x-www-form-urlencoded" and b"%00" in request.body


# Fields a query string or an urlencoded form may carry. WebOb keeps them in a MultiDict whose look-up by name scans
# the list, so code reading every field by name costs the square of their number (20,000 fields of a 200 KB query:
# 6 s of CPU per request). No form or filter of medreg has more than a few dozen, the batch decision form one per
# application of a page (workbench.MAX_PER_PAGE, 500).
MAX_QUERY_FIELDS = 100
MAX_FORM_FIELDS = 2000


def too_many_fields(request: Request) -> str | None:
    """'query' or 'form' when it carries more fields than allowed, else None (counted on the raw text, before WebOb
    parses anything)."""
    query = request.query_string
    if query and query.count("&") + 1 > MAX_QUERY_FIELDS:
        return "query"
    if (request.content_type or "") == "application/x-www-form-urlencoded" and request.body.count(b"&") + 1 > MAX_FORM_FIELDS:
        return "form"
    return None


def fields_refused(request: Request, where: str) -> Response:
    from portal.errors import error_response

    limit = MAX_QUERY_FIELDS if where == "query" else MAX_FORM_FIELDS
    message = f"{'查询参数' if where == 'query' else '表单字段'}过多（最多 {limit} 个）"
    if request.path.startswith("/api/"):
        return error_response(400, "invalid", message, {where: message}, {where: "invalid"})
    from portal.pages.errors import error_page

    return error_page(request, 400, message)


def last_values(params) -> dict:
    """A MultiDict (or request.params, GET before POST) as a plain dict, each name with the value `params[name]`
    gives — in one pass, where `{k: params[k] for k in params}` scans the fields once per field."""
    plain: dict = {}
    for part in reversed(getattr(params, "dicts", None) or [params]):
        plain.update(part.items())  # in order: a name's last value wins, as MultiDict.__getitem__ answers
    return plain


def nul_refused(request: Request) -> Response:
    from portal.errors import error_response

    message = "请求中不能含有空字符（%00）"
    if request.path.startswith("/api/"):
        return error_response(400, "invalid", message, {"query": message}, {"query": "invalid"})
    from portal.pages.errors import error_page

    return error_page(request, 400, message)


def logged_in(request: Request) -> bool:
    if request.path.startswith("/api/"):
        return request.headers.get("Authorization", "").startswith("Bearer ")
    # The page session as the cookie says (no database look-up out here, after the transaction).
    return "account_id" in request.session


def headers_tween_factory(handler, registry):
    tls = registry.settings["medreg"].tls

    def headers_tween(request: Request) -> Response:
        try:
            response = answer(request)
        finally:
            close_uploads(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if logged_in(request):  # an answer that sets a cookie: no_store_with_cookies, which sees every cookie
            not_stored(response)
        if tls:
            headers["Strict-Transport-Security"] = HSTS
        return response

    def answer(request: Request) -> Response:
        limit = oversized(request)
        if limit:
            return too_large(request, limit)
        if _HUGE_ID.search(request.path):
            return no_such_id(request)
        if has_nul(request):
            return nul_refused(request)
        if where := too_many_fields(request):
            return fields_refused(request, where)
        return handler(request)

    return headers_tween


def not_stored(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def no_store_with_cookies(event: NewResponse) -> None:
    """An answer that sets a cookie is never stored, however it was made. The page session's cookie (and the CSRF
    token in it) is set by a response callback, which Pyramid runs after every tween: the tween never saw it, and the
    anonymous login, sign-up and reset pages went out with their session cookie and no Cache-Control at all — a shared
    cache could hand one visitor's session and CSRF token to the next."""
    if "Set-Cookie" in event.response.headers:
        not_stored(event.response)


def close_uploads(request: Request) -> None:
    """Close the temporary files webob parsed a form's body and uploads into, once the answer is made, instead of
    whenever the garbage collector reaches them (an open file per upload and per body over 10 KB until then) — and the
    one it copied a body over 10 KB into to read it twice (a form refused for its fields before it was parsed).
    Not while the request is to be run again (its write lost a race: portal.errors.lost_race): the next attempt
    reads the same body, and closes them when it ends."""
    if (failure := getattr(request, "exception", None)) is not None and is_error_retryable(request, failure):
        return
    files: list[Any] = []
    if parsed := request.environ.get("webob._parsed_post_vars"):
        values, body = parsed
        files += [getattr(value, "file", None) for value in values.values()] + [body]
    copied = request.environ.get("wsgi.input")
    if request.environ.get("webob.is_body_seekable") and isinstance(copied, io.BufferedRandom):  # tempfile.TemporaryFile
        files.append(copied)
    for file in files:
        if file is not None and hasattr(file, "close") and not getattr(file, "closed", True):
            file.close()


def includeme(config: Configurator) -> None:
    # Above everything but the rate limit: even a refused or failed request gets the headers.
    config.add_tween("portal.headers.headers_tween_factory", under=INGRESS)
    config.add_subscriber(no_store_with_cookies, NewResponse)
