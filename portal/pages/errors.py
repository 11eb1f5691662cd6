"""Errors on pages are pages: a refusal renders in Chinese with its status, a wrong role gets 403."""
from __future__ import annotations

import logging
from html import escape

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from models.db import database_unavailable
from pipeline.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from portal.errors import (
    CONCURRENT,
    INSTITUTION_CANCELLED,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    Refused,
    client_error,
    closed_and_changing,
    log_unavailable,
    logged_route,
    lost_race,
)
from portal.pages.common import form_error

log = logging.getLogger(__name__)
# Views with more predicates win over portal.errors' JSON views, so these answer only off the API.
PAGES = r"^/(?!api/)"


FALLBACK = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status}</title>"
            "<link rel=\"stylesheet\" href=\"/static/portal.css\"></head><body><main class=\"panel narrow\">"
            "<h1>{title}</h1><p class=\"alert\" role=\"alert\">{message}</p><p><a class=\"button secondary\" href=\"/\">返回首页</a>"
            "</p></main></body></html>")
TITLES = {403: "无权访问", 404: "未找到", 409: "办理冲突", 413: "请求过大", 429: "请求过于频繁", 500: "系统繁忙", 503: "暂时无法办理"}


def error_page(request: Request, status: int, message: str, back: tuple[str, str] | None = None) -> Response:
    """The styled Chinese page of an error; if even that cannot be drawn (the database is down), a static one.
    `back`: (address, words) of the page to go back to, besides the home."""
    try:
        response = render_to_response("error.jinja2", {"status": status, "message": message, "title": TITLES.get(status),
                                                       "back": back}, request=request)
    except Exception:  # the error page must not fail in turn
        log.exception("the error page could not be rendered")
        response = Response(FALLBACK.format(status=status, title=TITLES.get(status, "无法办理"), message=escape(message)),
                            content_type="text/html", charset="utf-8")
    response.status = status
    return response


@exception_view_config(Exception, path_info=PAGES)
def failure_page(exc: Exception, request: Request) -> Response:
    """Anything else on a page: the client's fault (405, not UTF-8, …) says so; a server error says only that it
    happened — never a trace, a query or a path — and is logged."""
    if isinstance(exc, (HTTPNotFound, HTTPForbidden)):
        raise exc
    if (known := client_error(exc)) is not None:
        return error_page(request, *known)
    if lost_race(exc, request):
        return error_page(request, 409, CONCURRENT)
    if database_unavailable(exc):
        log_unavailable(exc, request)
        response = error_page(request, 503, UNAVAILABLE)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("unhandled error on %s", logged_route(request))
    return error_page(request, 500, "服务器内部错误，请稍后再试；如反复出现，请联系系统运营方")


@exception_view_config(Refused, path_info=PAGES)
@exception_view_config(ValidationFailed, path_info=PAGES)
@exception_view_config(TransitionRefused, path_info=PAGES)
@exception_view_config(Conflict, path_info=PAGES)
@exception_view_config(Forbidden, path_info=PAGES)
@exception_view_config(NotFound, path_info=PAGES)
def refused_page(exc: Exception, request: Request) -> Response:
    error = form_error(request, exc)
    return error_page(request, error.status, error.message)


@forbidden_view_config(path_info=PAGES)
def forbidden_page(request: Request) -> Response:
    if request.account is None:
        return HTTPFound(location=request.route_url("login_page", _query={"next": request.path_qs}))
    if request.account.must_change_password:
        return HTTPFound(location=request.route_url("password_page"))
    if closed_and_changing(request):
        return error_page(request, 403, INSTITUTION_CANCELLED, (request.route_url("institution"), "返回机构工作台"))
    return error_page(request, 403, "当前账号无权访问此页面")


@exception_view_config(BadCSRFToken, path_info=PAGES)
def bad_csrf_page(exc: BadCSRFToken, request: Request) -> Response:
    request.tm.doom()
    return error_page(request, 400, "页面已过期或请求来源无法确认，请返回上一页刷新后重新提交")


@notfound_view_config(path_info=PAGES)
def not_found_page(request: Request) -> Response:
    return error_page(request, 404, "页面不存在")
