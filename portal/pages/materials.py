"""Files of one application on the pages, for whoever may see it: uploading a supporting document (the applicant),
downloading one, the receipt 受理回执 and the decision 决定书 as PDF. Scope is the application's own: 404 outside it."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.view import view_config

from portal.files import file_response, read_upload
from portal.pages.common import FORM_ERRORS, form_error
from portal.services import applications, attachments, documents


def back_to(request: Request, application_id: int) -> str:
    route = "me.application" if request.account.role == "person" else "institution.task"
    return request.route_url(route, id=application_id)


@view_config(route_name="application.attachments", request_method="POST", permission="authenticated")
def upload(request: Request):
    application_id = int(request.matchdict["id"])
    filename, raw = read_upload(request)
    try:
        attachment = attachments.upload(request.dbsession, request.account, application_id, request.POST.get("material"),
                                        filename, raw)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        application = applications.visible_application(request.dbsession, request.account, application_id)
        if request.account.role == "person":
            from portal.pages.person import application_page

            page, template = application_page(request, application, error=error), "application.jinja2"
        else:
            from portal.pages.institution import task_page

            page, template = task_page(request, application_id, error=error), "institution_task.jinja2"
        response = render_to_response(template, page, request=request)
        response.status = error.status
        return response
    request.session.flash(f"已上传：{attachment.name}")
    return HTTPFound(location=back_to(request, application_id) + "#attachments")


@view_config(route_name="application.attachment", request_method="GET", permission="authenticated")
def download(request: Request):
    attachment = attachments.one(request.dbsession, request.account, int(request.matchdict["id"]),
                                 int(request.matchdict["attachment_id"]))
    return file_response(attachment.content_type, attachments.chunks(attachment.content), attachment.size,
                         attachments.content_disposition(attachment.name))


@view_config(route_name="application.receipt", request_method="GET", permission="authenticated")
def receipt(request: Request):
    pdf, name = documents.receipt(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return file_response("application/pdf", [pdf], len(pdf), documents.disposition(name))


@view_config(route_name="application.decision", request_method="GET", permission="authenticated")
def decision(request: Request):
    pdf, name = documents.decision(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return file_response("application/pdf", [pdf], len(pdf), documents.disposition(name))
