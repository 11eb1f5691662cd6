"""The public end of the API: search, one record (our JSON or FHIR R4), and the change feed."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view
from portal.errors import invalid
from portal.services import public
from publisher import fhir


@api_view(route_name="api.public.search", request_method="GET", permission="public")
def search(request: Request):
    return public.search(request.dbsession, request.matchdict["kind"], dict(request.params))


@api_view(route_name="api.public.record", request_method="GET", permission="public")
def record(request: Request):
    body = public.record(request.dbsession, request.matchdict["identifier"])
    output = request.params.get("format", "json")
    if output == "fhir":
        return fhir.render(body)
    if output != "json":
        raise invalid({"format": "只能是 json 或 fhir"})
    return body


@api_view(route_name="api.public.feed", request_method="GET", permission="public")
def feed(request: Request):
    return public.feed(request.dbsession, request.params.get("since"), request.params.get("limit"))
