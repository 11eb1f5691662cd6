"""The commission's counter 窗口业务: business entered by commission staff, approved on entry."""
from __future__ import annotations

from pyramid.request import Request

from pipeline.applications import CounterEntry
from portal.api.common import api_view, application_json, body_of
from portal.services.counter import counter_submit


@api_view(route_name="api.commission.counter", request_method="POST", permission="commission")
def enter(request: Request):
    body = body_of(request, CounterEntry)
    application = counter_submit(request.dbsession, request.medreg, request.account, body.kind, body.data)
    request.response.status = 201
    return application_json(application)
