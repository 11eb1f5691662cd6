"""GET /api/v1/openapi.json: the machine-readable description of the API."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view
from portal.api.spec import OPENAPI


@api_view(route_name="api.openapi", request_method="GET", permission="public")
def openapi(request: Request):
    return OPENAPI
