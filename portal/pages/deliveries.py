"""The commission end: deliveries to the disclosure channels of its jurisdiction, parked ones first."""
from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.view import view_config

from portal.pages.common import FORM_ERRORS, form_refused, page_number
from portal.services import deliveries

A_PAGE = 100


@view_config(route_name="commission.deliveries", renderer="commission_deliveries.jinja2", permission="commission")
def listing(request: Request):
    params = request.params
    page: dict[str, Any] = {"statuses": deliveries.STATUSES, "status": "parked", "items": [], "next": None,
                            "number": page_number(params.get("page"))}
    try:
        page["status"] = deliveries.delivery_status(params.get("status"))
        items, page["next"] = deliveries.jurisdiction_deliveries(
            request.dbsession, request.account, page["status"], params.get("cursor", ""), A_PAGE, page["number"])
        page["items"] = [{**item, "error_text": deliveries.error_text(item["last_error"])} for item in items]
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return {**page, "error": error}
    return page
