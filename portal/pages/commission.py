"""The commission end: the approval queue of its jurisdiction and the decision on one item."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Commission
from portal.pages.common import FORM_ERRORS, form_error
from portal.services import applications

DECISION_DONE = {"approve": "已批准，正在赋码并公示。", "reject": "已作出不予批准决定。", "return": "已退回申请人修改。"}


@view_config(route_name="commission", renderer="commission.jinja2", permission="commission")
def queue(request: Request):
    session, account = request.dbsession, request.account
    items = applications.commission_queue(session, account)
    return {
        "commission": session.get(Commission, account.division_code),
        "items": items,
        "names": applications.person_names(session, items),
        "institution_names": applications.institution_names(session, {a.institution_id for a in items}),
    }


def item_page(request: Request, application_id: int, **extra) -> dict:
    application = applications.visible_application(request.dbsession, request.account, application_id)
    return {
        "application": application,
        "names": applications.person_names(request.dbsession, [application]),
        "institution_names": applications.institution_names(request.dbsession, {application.institution_id}),
        "decidable": application.status == "pending_approval" and application.commission_code == request.account.division_code,
        **extra,
    }


@view_config(route_name="commission.item", request_method="GET", renderer="commission_item.jinja2", permission="commission")
def item(request: Request):
    return item_page(request, int(request.matchdict["id"]))


@view_config(route_name="commission.item", request_method="POST", renderer="commission_item.jinja2", permission="commission")
def decide(request: Request):
    application_id = int(request.matchdict["id"])
    decision, comment = request.POST.get("decision", ""), request.POST.get("comment", "")
    try:
        applications.commission_decide(request.dbsession, request.account, application_id, decision, comment)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return item_page(request, application_id, error=error, form={"comment": comment})
    request.session.flash(DECISION_DONE.get(decision, "已处理。"))
    return HTTPFound(location=request.route_url("commission"))
