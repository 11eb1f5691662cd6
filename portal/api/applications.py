"""The personal end (and an institution's own submissions): submit, list, read, withdraw, resubmit."""
from __future__ import annotations

from pyramid.request import Request
from sqlalchemy import select

from models import Notification
from pipeline.applications import Resubmission, Submission, Withdrawal
from portal.api.common import api_view, application_json, body_of
from portal.services import applications


@api_view(route_name="api.applications", request_method="POST", permission="authenticated")
def submit(request: Request):
    body = body_of(request, Submission)
    application = applications.submit(request.dbsession, request.account, body.kind, body.data)
    request.response.status = 201
    return {"id": application.id, "status": application.status}


@api_view(route_name="api.applications", request_method="GET", permission="authenticated")
def list_own(request: Request):
    return {"items": [application_json(a, with_history=False) for a in applications.list_own(request.dbsession, request.account)]}


@api_view(route_name="api.application", request_method="GET", permission="authenticated")
def read(request: Request):
    return application_json(applications.visible_application(request.dbsession, request.account, int(request.matchdict["id"])))


@api_view(route_name="api.application.withdraw", request_method="POST", permission="authenticated")
def withdraw(request: Request):
    body = body_of(request, Withdrawal, optional=True)
    application = applications.withdraw(request.dbsession, request.account, int(request.matchdict["id"]), body.comment or "")
    return application_json(application)


@api_view(route_name="api.application.resubmit", request_method="POST", permission="authenticated")
def resubmit(request: Request):
    body = body_of(request, Resubmission)
    application = applications.resubmit(request.dbsession, request.account, int(request.matchdict["id"]), body.data)
    return application_json(application)


@api_view(route_name="api.me.registration", request_method="GET", permission="person")
def my_registration(request: Request):
    return applications.my_registration(request.dbsession, request.account)


@api_view(route_name="api.me.notifications", request_method="GET", permission="authenticated")
def my_notifications(request: Request):
    account = request.account
    query = select(Notification).order_by(Notification.id.desc()).limit(200)
    if account.role == "institution":
        query = query.where(Notification.institution_id == account.institution_id)
    else:
        query = query.where(Notification.account_id == account.id)
    return {
        "items": [
            {"id": n.id, "event": n.event, "text": n.text, "application_id": n.application_id, "at": n.at.isoformat()}
            for n in request.dbsession.scalars(query)
        ]
    }
