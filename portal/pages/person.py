"""The personal end: my applications, one application (withdraw, or correct and resubmit), my practice record."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Application, Commission, Person, PublicRecord
from pipeline.kinds import KINDS
from pipeline.lifecycle import WITHDRAWABLE, Status
from portal.errors import invalid
from portal.pages.common import FORM_ERRORS, form_error, form_refused, page_number
from portal.pages.kind_forms import confirmed, form_of, looking_up, read_form, shown
from portal.services import applications, attachments, review
from portal.services import notifications as inbox
from publisher.fhir import ACTIVE_STATUSES


@view_config(route_name="me", renderer="me.jinja2", permission="person")
def my_applications(request: Request):
    items = applications.list_own(request.dbsession, request.account)
    person = request.dbsession.get(Person, request.account.person_id)
    return {"items": items, "person": person, "can_apply": request.first_registration_offered}


@view_config(route_name="me.notifications", renderer="me_notifications.jinja2", permission="person")
def my_notifications(request: Request):
    """The person's inbox 消息: what the notify and expiry workers told them (a decision, a registration nearing its
    end), which until now only the API showed."""
    number = page_number(request.params.get("page"))
    try:
        items, following = inbox.inbox(request.dbsession, request.account, request.params.get("cursor", ""), page=number)
    except FORM_ERRORS as failure:
        request.response.status = 400
        return {"items": [], "next": None, "number": 1, "error": form_error(request, failure)}
    return {"items": items, "next": following, "number": number}


@view_config(route_name="me.application", renderer="application.jinja2", permission="person")
def my_application(request: Request):
    application = applications.own_application(request.dbsession, request.account, int(request.matchdict["id"]))
    return application_page(request, application)


def application_page(request: Request, application: Application, form: dict | None = None, **extra) -> dict:
    """One application; when returned, its form showing `form` (what was posted), else the application's data."""
    names = applications.institution_names(request.dbsession, {application.institution_id or 0})
    form = dict(application.data) if form is None else form
    page = {
        "application": application,
        "institution_names": names,
        "withdrawable": application.status in WITHDRAWABLE,
        "resubmittable": application.status == Status.returned,
        "form": form,
        "rv": review.review(request.dbsession, request.medreg, application),
        "attachable": attachments.can_attach(request.account, application),
    }
    if page["resubmittable"]:
        page["kf"] = form_of(request, KINDS[application.kind], values=form)
    return {**page, **extra}


WITHDRAW_UNCONFIRMED = "撤回后不能恢复：请勾选“确认撤回”后再提交"


@view_config(route_name="me.application.withdraw", request_method="POST", renderer="application.jinja2", permission="person")
def withdraw(request: Request):
    """Withdraw, once the applicant ticked 确认撤回 (checked here too, so it holds without the browser's checks)."""
    application_id = int(request.matchdict["id"])
    try:
        if request.POST.get("confirm") != "1":
            raise invalid({"confirm": WITHDRAW_UNCONFIRMED})
        applications.withdraw(request.dbsession, request.account, application_id, request.POST.get("comment", "").strip())
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        application = applications.own_application(request.dbsession, request.account, application_id)
        return application_page(request, application, error=error)
    request.session.flash("申请已撤回。")
    return HTTPFound(location=request.route_url("me.application", id=application_id))


@view_config(route_name="me.application.resubmit", request_method="POST", renderer="application.jinja2", permission="person")
def resubmit(request: Request):
    application_id = int(request.matchdict["id"])
    application = applications.own_application(request.dbsession, request.account, application_id)
    data = read_form(request, KINDS[application.kind])
    if looking_up(request):
        return application_page(request, application, form=shown(data))
    try:
        confirmed(request, KINDS[application.kind], data)
        applications.resubmit(request.dbsession, request.account, application_id, data)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        application = applications.own_application(request.dbsession, request.account, application_id)
        return application_page(request, application, error=error, form=shown(data))
    request.session.flash("已修改并重新提交，正在核验。")
    return HTTPFound(location=request.route_url("me.application", id=application_id))


@view_config(route_name="me.registration", renderer="registration.jinja2", permission="person")
def my_registration(request: Request):
    record = applications.my_registration(request.dbsession, request.account)
    entry = record["registration"]
    authority = request.dbsession.get(Commission, entry["registering_authority"]) if entry else None
    return {"record": record, "authority": authority.name if authority else "",
            "licence_identifier": licence_identifier(request, entry)}


def licence_identifier(request: Request, entry: dict | None) -> str | None:
    """The identifier whose electronic licence the public end issues: published, and still active there."""
    identifier = entry.get("identifier") if entry else None
    published = request.dbsession.get(PublicRecord, identifier) if identifier else None
    return identifier if published is not None and published.status in ACTIVE_STATUSES else None
