"""Password reset by SMS code, and the institution's view of its physicians' assessment results."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from portal.pages.common import FORM_ERRORS, form_refused, mistyped_password, page_number
from portal.services import password_reset
from portal.services.attempts import client_of
from portal.services.practice_records import ASSESSMENTS_A_PAGE, institution_assessments


@view_config(route_name="password_reset_page", renderer="password_reset.jinja2", permission="public")
def password_reset_page(request: Request):
    if request.method != "POST":
        return {"step": "request"}
    username = request.POST.get("username", "")
    if request.POST.get("step") == "confirm":
        if (mistyped := mistyped_password(request, "password")) is not None:
            return {"step": "confirm", "error": mistyped, "form": {"username": username, "code": request.POST.get("code", "")}}
        try:
            password_reset.confirm_reset(request.dbsession, request.medreg, username, request.POST.get("code", ""),
                                         request.POST.get("password", ""), client_of(request))
        except FORM_ERRORS as refusal:
            error = form_refused(request, refusal, keep=True)  # a wrong code still counts
            return {"step": "confirm", "error": error, "form": {"username": username}}
        request.session.flash("密码已重置，请用新密码登录。")
        return HTTPFound(location=request.route_url("login_page"))
    try:
        password_reset.request_reset(request.dbsession, request.medreg, username, client_of(request))
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return {"step": "request", "error": error}
    return {"step": "confirm", "sent": password_reset.SENT_MESSAGE, "form": {"username": username}}


@view_config(route_name="institution.assessments", renderer="institution_assessments.jinja2", permission="institution")
def assessments_page(request: Request):
    period, number = request.params.get("period", ""), page_number(request.params.get("page"))
    try:
        found = institution_assessments(request.dbsession, request.account, period, request.params.get("cursor", ""),
                                        ASSESSMENTS_A_PAGE, number)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return {"items": [], "period": period, "error": error, "number": 1, "next": None}
    return {"items": found["items"], "period": period, "error": None, "number": number, "next": found["next"]}


