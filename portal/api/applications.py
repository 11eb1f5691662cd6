"""The personal end (and an institution's own submissions): submit, list, read, withdraw, resubmit."""
from __future__ import annotations

from pyramid.request import Request
from pyramid.view import view_config

from pipeline import clock
from pipeline.applications import Resubmission, Submission, Withdrawal
from portal.api.common import api_view, application_json, body_of
from portal.files import file_response, read_upload
from portal.services import applications, attachments, documents, notifications, paging, review


@api_view(route_name="api.applications", request_method="POST", permission="authenticated")
def submit(request: Request):
    body = body_of(request, Submission)
    application = applications.submit(request.dbsession, request.account, body.kind, body.data)
    request.response.status = 201
    return {"id": application.id, "status": application.status}


@api_view(route_name="api.applications", request_method="GET", permission="authenticated")
def list_own(request: Request):
    rows, following = applications.own_applications(request.dbsession, request.account,
                                                    *paging.requested(request.params, applications.OWN_MOST))
    return {"items": [application_json(a, with_history=False) for a in rows], "next": following}


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
    items, following = notifications.inbox(request.dbsession, request.account,
                                           *paging.requested(request.params, notifications.API_MOST))
    return {
        "items": [
            {"id": n.id, "event": n.event, "text": n.text, "application_id": n.application_id, "at": clock.iso(n.at)}
            for n in items
        ],
        "next": following,
    }


# --- supporting documents, printed documents, the audited ID number ------------------------------------------


@api_view(route_name="api.application.attachments", request_method="POST", permission="authenticated")
def upload_attachment(request: Request):
    filename, raw = read_upload(request)
    attachment = attachments.upload(request.dbsession, request.account, int(request.matchdict["id"]), request.POST.get("material"),
                                    filename, raw)
    request.response.status = 201
    return attachments.attachment_json(attachment)


@api_view(route_name="api.application.attachments", request_method="GET", permission="authenticated")
def list_attachments(request: Request):
    application, found = attachments.listing(request.dbsession, request.account, int(request.matchdict["id"]))
    return attachments.listing_json(application, found)


@view_config(route_name="api.application.attachment", request_method="GET", permission="authenticated", require_csrf=False)
def download_attachment(request: Request):
    attachment = attachments.one(request.dbsession, request.account, int(request.matchdict["id"]), int(request.matchdict["attachment_id"]))
    return file_response(attachment.content_type, attachments.chunks(attachment.content), attachment.size,
                         attachments.content_disposition(attachment.name))


@view_config(route_name="api.application.receipt", request_method="GET", permission="authenticated", require_csrf=False)
def receipt(request: Request):
    pdf, name = documents.receipt(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return file_response("application/pdf", [pdf], len(pdf), documents.disposition(name))


@view_config(route_name="api.application.decision", request_method="GET", permission="authenticated", require_csrf=False)
def decision(request: Request):
    pdf, name = documents.decision(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return file_response("application/pdf", [pdf], len(pdf), documents.disposition(name))


@api_view(route_name="api.application.id_number", request_method="POST", permission="authenticated")
def reveal_id_number(request: Request):
    application, number = review.reveal_id_number(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return {"application_id": application.id, "person_id": application.person_id, "id_number": number}
