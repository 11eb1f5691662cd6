"""A commission uploads periodic assessment results 定期考核结果 (CSV, the rules of `medreg import assessments`)."""
from __future__ import annotations

from pyramid.request import Request
from pyramid.view import view_config

from portal.pages.common import FORM_ERRORS, form_refused
from portal.services.uploads import MAX_UPLOAD_BYTES, upload_assessments


@view_config(route_name="commission.assessments", renderer="commission_assessments.jinja2", permission="commission")
def assessments(request: Request) -> dict:
    if request.method != "POST":
        return {"report": None}
    upload = request.POST.get("file")
    content = upload.file.read(MAX_UPLOAD_BYTES + 1) if getattr(upload, "file", None) is not None else b""
    try:
        report = upload_assessments(request.dbsession, request.medreg, request.account, content,
                                    getattr(upload, "filename", "") or "")
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return {"report": None, "error": error}
    if report.refused:
        request.response.status = 400
    return {"report": report}
