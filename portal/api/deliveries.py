"""The commission end: deliveries to the disclosure channels, e.g. those parked after repeated failures."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view
from portal.services import deliveries, paging


@api_view(route_name="api.commission.deliveries", request_method="GET", permission="commission")
def listing(request: Request):
    params = request.params
    status = deliveries.delivery_status(params.get("status"))
    cursor, limit = paging.requested(params, deliveries.MAX_SHOWN)
    items, following = deliveries.jurisdiction_deliveries(request.dbsession, request.account, status, cursor, limit)
    return {"items": items, "next": following}
