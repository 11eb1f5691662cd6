"""The commission end: deliveries to the disclosure channels, e.g. those parked after repeated failures."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view
from portal.services import deliveries


@api_view(route_name="api.commission.deliveries", request_method="GET", permission="commission")
def listing(request: Request):
    status = deliveries.delivery_status(request.params.get("status"))
    return {"items": deliveries.jurisdiction_deliveries(request.dbsession, request.account, status)}
