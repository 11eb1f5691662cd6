"""The commission end: the approval queue of its jurisdiction."""
from __future__ import annotations

from pyramid.request import Request

from pipeline.lifecycle import Status
from portal.api.common import api_view, application_json, json_body
from portal.errors import invalid
from portal.services import applications


@api_view(route_name="api.commission.queue", request_method="GET", permission="commission")
def queue(request: Request):
    status = request.params.get("status", Status.pending_approval)
    if status not in Status.__members__:
        raise invalid({"status": "未知的状态"})
    return {"items": [application_json(a) for a in applications.commission_queue(request.dbsession, request.account, status)]}


@api_view(route_name="api.commission.item", request_method="GET", permission="commission")
def item(request: Request):
    return application_json(applications.visible_application(request.dbsession, request.account, int(request.matchdict["id"])))


@api_view(route_name="api.commission.item", request_method="POST", permission="commission")
def decide(request: Request):
    body = json_body(request)
    application = applications.commission_decide(
        request.dbsession, request.account, int(request.matchdict["id"]), body.get("decision"), body.get("comment", "")
    )
    return application_json(application)
