"""Errors on pages are pages: a refusal renders in Chinese with its status, a wrong role gets 403."""
from __future__ import annotations

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from pipeline.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from portal.errors import Refused
from portal.pages.common import form_error

# Views with more predicates win over portal.errors' JSON views, so these answer only off the API.
PAGES = r"^/(?!api/)"


def error_page(request: Request, status: int, message: str) -> Response:
    response = render_to_response("error.jinja2", {"status": status, "message": message}, request=request)
    response.status = status
    return response


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
    return error_page(request, 403, "当前账号无权访问此页面")


@exception_view_config(BadCSRFToken, path_info=PAGES)
def bad_csrf_page(exc: BadCSRFToken, request: Request) -> Response:
    request.tm.doom()
    return error_page(request, 400, "页面已过期或请求来源无法确认，请返回上一页刷新后重新提交")


@notfound_view_config(path_info=PAGES)
def not_found_page(request: Request) -> Response:
    return error_page(request, 404, "页面不存在")
