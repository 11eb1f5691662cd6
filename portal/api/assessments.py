"""The institution's view of its physicians' periodic assessment results 医师定期考核."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view
from portal.services.practice_records import institution_assessments


@api_view(route_name="api.institution.assessments", request_method="GET", permission="institution")
def assessments(request: Request):
    return {"items": institution_assessments(request.dbsession, request.account, request.params.get("period"))}
