"""Periodic assessment results 医师定期考核: the institution's view of its physicians', and a commission's upload."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view, uploaded
from portal.services import paging
from portal.services.practice_records import ASSESSMENTS_MOST, institution_assessments
from portal.services.uploads import MAX_UPLOAD_BYTES, upload_assessments


@api_view(route_name="api.institution.assessments", request_method="GET", permission="institution")
def assessments(request: Request):
    return institution_assessments(request.dbsession, request.account, request.params.get("period"),
                                   *paging.requested(request.params, ASSESSMENTS_MOST))


@api_view(route_name="api.commission.assessments", request_method="POST", permission="commission")
def upload(request: Request):
    content, filename = uploaded(request, MAX_UPLOAD_BYTES)
    report = upload_assessments(request.dbsession, request.medreg, request.account, content, filename)
    return {"loaded": report.loaded, "refused": report.refused, "applied": report.applied,
            "errors": [{"row": e.row, "field": e.field, "reason": e.reason} for e in report.errors]}
