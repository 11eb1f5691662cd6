"""The institution end: the confirmation tasks of its staff's applications."""
from __future__ import annotations

from pyramid.request import Request

from pipeline.applications import InstitutionDecision
from portal.api.common import api_view, application_json, body_of
from portal.services import applications, institution_desk, paging


@api_view(route_name="api.institution.tasks", request_method="GET", permission="institution")
def tasks(request: Request):
    """Filters: status (default awaiting_institution), kind, profession; counts per status over kind and profession."""
    params = request.params
    cursor, limit = paging.requested(params, institution_desk.MAX_LIST)
    found = institution_desk.tasks(request.dbsession, request.account, params.get("status"), params.get("kind"), params.get("profession"),
                                   cursor, limit)
    return {"items": [application_json(a) for a in found["items"]], "counts": found["counts"], "next": found["next"]}


@api_view(route_name="api.institution.task", request_method="POST", permission="institution")
def decide(request: Request):
    body = body_of(request, InstitutionDecision)
    application = applications.institution_decide(
        request.dbsession, request.account, int(request.matchdict["id"]), body.decision, body.comment or ""
    )
    return application_json(application)
