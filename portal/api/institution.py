"""The institution end: the confirmation tasks of its staff's applications."""
from __future__ import annotations

from pyramid.request import Request

from pipeline.lifecycle import Status
from portal.api.common import api_view, application_json, json_body
from portal.errors import invalid
from portal.services import applications


@api_view(route_name="api.institution.tasks", request_method="GET", permission="institution")
def tasks(request: Request):
    status = request.params.get("status", Status.awaiting_institution)
    if status not in Status.__members__:
        raise invalid({"status": "未知的状态"})
    return {"items": [application_json(a) for a in applications.institution_tasks(request.dbsession, request.account, status)]}


@api_view(route_name="api.institution.task", request_method="POST", permission="institution")
def decide(request: Request):
    body = json_body(request)
    application = applications.institution_decide(
        request.dbsession, request.account, int(request.matchdict["id"]), body.get("decision"), body.get("comment", "")
    )
    return application_json(application)
