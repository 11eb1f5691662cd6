"""Errors as the contract shapes them: {"error": {"code", "message", "fields", "codes"}} with a fitting status.

`fields` gives one Chinese reason per refused field, `codes` the same fields' machine-readable reason
(pipeline.fields.CODES). The rules below the portal raise pipeline.errors; views raise Refused for what only
the portal knows (logins, rate limits).
"""
from __future__ import annotations

import logging
import re

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from pyramid_retry import is_error_retryable, mark_error_retryable

from models.db import conflicting_write, database_unavailable
from pipeline.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from portal.labels import field_names
from portal.renderers import CHARSET, CONTENT_TYPE, dumps

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request the service will not carry out; nothing was changed."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def not_found(what: str = "记录") -> Refused:
    return Refused(404, "not_found", f"{what}不存在或无权查看")


def conflict(message: str) -> Refused:
    return Refused(409, "conflict", message)


def invalid(fields: dict[str, str], codes: dict[str, str] | None = None) -> ValidationFailed:
    return ValidationFailed(fields, codes)


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   codes: dict[str, str] | None = None) -> Response:
    body = dumps({"error": {"code": code, "message": message, "fields": fields or {}, "codes": codes or {}}})
    return Response(body=body.encode(CHARSET), status=status, content_type=CONTENT_TYPE)


REFUSALS = (Refused, ValidationFailed, Conflict, Forbidden, NotFound, TransitionRefused)


def described(error: Exception) -> tuple[int, str, str, dict[str, str], dict[str, str]]:
    """(status, code, message, fields, codes) of any refusal, as the error contract shows it."""
    if isinstance(error, Refused):
        return error.status, error.code, error.message, error.fields, dict.fromkeys(error.fields, "invalid")
    if isinstance(error, ValidationFailed):
        return 400, "invalid", error.message_naming(field_names()), error.fields, error.codes
    if isinstance(error, (Conflict, TransitionRefused)):
        return 409, "conflict", error.message, {}, {}
    if isinstance(error, Forbidden):
        return 403, "forbidden", error.message, {}, {}
    if isinstance(error, NotFound):
        return 404, "not_found", error.message, {}, {}
    raise error


def refusal_response(error: Exception) -> Response:
    """The error answer of a refusal, returned rather than raised (so what the request counted is committed)."""
    response = error_response(*described(error))
    if retry_after := getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(retry_after)
    return response


def refusal_code(error: Exception) -> str:
    """The `code` a refusal answers with (for the audit of a failed login)."""
    return described(error)[1]


def is_api(request: Request) -> bool:
    return request.path.startswith("/api/")


@exception_view_config(Refused)
@exception_view_config(ValidationFailed)
@exception_view_config(TransitionRefused)
@exception_view_config(Conflict)
@exception_view_config(Forbidden)
@exception_view_config(NotFound)
def refusal_view(exc: Exception, request: Request) -> Response:
    return refusal_response(exc)


# What a cancelled institution's account is told when it tries to change anything (portal/security.py).
INSTITUTION_CANCELLED = "本机构已注销，只能查阅，不能办理业务"
INSTITUTION_CANCELLED_DENIAL = "institution_cancelled"


def closed_and_changing(request: Request) -> bool:
    """Whether the request was denied because a cancelled institution's account tried to change something (the
    security policy's Denied rides on the HTTPForbidden it raised)."""
    denial = getattr(getattr(request, "exception", None), "result", None)
    return getattr(denial, "msg", None) == INSTITUTION_CANCELLED_DENIAL


@forbidden_view_config()
def forbidden_view(request: Request) -> Response:
    if is_api(request):
        if request.account is None:
            return error_response(401, "unauthorized", "请先登录")
        if request.account.must_change_password:
            return error_response(403, "password_change_required", "首次登录须先修改密码（POST /api/v1/password）")
        if closed_and_changing(request):
            return error_response(403, "institution_cancelled", INSTITUTION_CANCELLED)
        return error_response(403, "forbidden", "无权进行此操作")
    if request.account is None:
        return HTTPFound(location=request.route_url("login_page", _query={"next": request.path_qs}))
    return error_response(403, "forbidden", "无权访问此页面")


@notfound_view_config()
def notfound_view(request: Request) -> Response:
    return error_response(404, "not_found", "资源不存在")


CLIENT_ERRORS = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                 406: "not_acceptable", 409: "conflict", 411: "length_required", 413: "too_large", 415: "unsupported_media_type"}
BAD_ENCODING = "请求不是合法的 UTF-8 文本"


def client_error(exc: Exception) -> tuple[int, str] | None:
    """(status, message) of what is the client's fault although a view did not refuse it: an HTTP error raised by
    the framework (405, 415, …), a query string or form that is not UTF-8. None for a real server error."""
    if isinstance(exc, HTTPException) and 400 <= exc.code < 500:
        return exc.code, exc.explanation or exc.title
    if isinstance(exc, UnicodeError):
        return 400, BAD_ENCODING
    return None


def client_error_response(status: int, message: str) -> Response:
    """The API's answer to what client_error finds: a 400 names `request` as the field at fault."""
    fields = {"request": message} if status == 400 else None
    return error_response(status, CLIENT_ERRORS.get(status, "invalid"), message, fields, {"request": "invalid"} if fields else None)


# A path segment a log line may show as it is: a word of the route's own (`api`, `v1`, `records`, `receipt.pdf`).
_PLAIN_SEGMENT = re.compile(r"v[0-9]|[a-z][a-z_-]*(?:\.[a-z]+)?")


def logged_route(request: Request) -> str:
    """What a log line names a request by: its route's name, or else its path with every segment but the routes' own
    words masked (`/api/v1/public/records/*`). Never the path as it came: it may hold an ID number, a mobile, an
    identifier or a code (docs/security.md), and it is the client's text."""
    route = getattr(request, "matched_route", None)
    if route is not None:
        return route.name
    path = request.environ.get("PATH_INFO", "")  # as the server gave it: it may not even be UTF-8
    return "/".join(part if not part or _PLAIN_SEGMENT.fullmatch(part) else "*" for part in path.split("/"))


# The database went away under a request (its connection cut by a restart, a failover or an operator, no connection to
# be had): a passing outage, neither the client's fault nor a fault of the service. The request's transaction did not
# commit (or, cut during COMMIT, its outcome is unknown to us as to the client): the answer says to try again.
UNAVAILABLE = "数据库暂时无法访问，请稍后重试"
RETRY_AFTER_SECONDS = 5


def log_unavailable(exc: BaseException, request: Request) -> None:
    """One line, no trace: the driver's message may quote a statement (never its parameters: models/db.py hides them)."""
    cause = getattr(exc, "orig", None) or exc
    log.warning("database unavailable on %s: %s", logged_route(request), type(cause).__name__)


def unavailable_response() -> Response:
    response = error_response(503, "unavailable", UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# A request whose write met a concurrent one's (conflicting_write: two clerks creating the same username at once, a
# deadlock) is run again from the start by pyramid_retry, up to RETRY_ATTEMPTS times in all: the next attempt sees the
# other's committed work and answers as if the two had come one after the other (409 "用户名 … 已存在", or done).
# A body larger than RETRY_BODY_MOST, or any multipart body (uploads: a view reads each file once, and the next
# attempt would find it read), is not copied to be read again: one attempt.
RETRY_ATTEMPTS = 3
RETRY_BODY_MOST = 1 << 16
CONCURRENT = "另一项同时进行的办理修改了相同的数据，请刷新后重试"


def retry_attempts(request: Request) -> int | None:
    """pyramid_retry's activate hook: how many attempts a request may take (None: RETRY_ATTEMPTS)."""
    length = request.content_length
    if length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return 1
    if request.content_type.startswith("multipart/"):
        return 1
    return 1 if (length or 0) > RETRY_BODY_MOST else None


def lost_race(exc: BaseException, request: Request) -> bool:
    """A write that met a concurrent one: marked for pyramid_retry to run the request again (the answer drawn now is
    then thrown away); logged when no attempt is left. The caller answers 409 CONCURRENT."""
    if not conflicting_write(exc):
        return False
    mark_error_retryable(exc)
    if not is_error_retryable(request, exc):
        log.warning("concurrent write on %s, attempts exhausted", logged_route(request))
    return True


@exception_view_config(Exception)
def server_error_view(exc: Exception, request: Request) -> Response:
    if isinstance(exc, (HTTPNotFound, HTTPForbidden)):
        raise exc
    if (known := client_error(exc)) is not None:
        return client_error_response(*known)
    if lost_race(exc, request):
        return error_response(409, "conflict", CONCURRENT)
    if database_unavailable(exc):
        log_unavailable(exc, request)
        return unavailable_response()
    log.exception("unhandled error on %s", logged_route(request))
    return error_response(500, "server_error", "服务器内部错误，请稍后再试")


def includeme(config: Configurator) -> None:
    pass
