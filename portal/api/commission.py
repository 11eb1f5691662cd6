"""The commission end: the workbench of its jurisdiction, one item, and decisions on one or several items."""
from __future__ import annotations

from pyramid.request import Request

from pipeline import clock
from pipeline.applications import BatchDecision, CommissionDecision
from portal.api.common import api_view, application_json, body_of
from portal.services import applications, workbench


def queue_item_json(item: workbench.QueueItem) -> dict:
    return {
        **application_json(item.application),
        "applicant": item.applicant,
        "institution": item.institution,
        "waiting_since": clock.iso(item.since),
        "deadline": workbench.deadline_json(item),
    }


@api_view(route_name="api.commission.queue", request_method="GET", permission="commission")
def queue(request: Request):
    filt = workbench.parse_queue_filter(request.params, request.account)
    page = workbench.queue_page(request.dbsession, request.account, filt, workbench.time_limits(request.registry.settings))
    return {"items": [queue_item_json(item) for item in page.items], "total": page.total, "total_capped": page.count.capped,
            "page": filt.page, "per_page": filt.per_page, "next": page.next}


@api_view(route_name="api.commission.item", request_method="GET", permission="commission")
def item(request: Request):
    return application_json(applications.visible_application(request.dbsession, request.account, int(request.matchdict["id"])))


@api_view(route_name="api.commission.item", request_method="POST", permission="commission")
def decide(request: Request):
    body = body_of(request, CommissionDecision)
    application = applications.commission_decide(
        request.dbsession, request.account, int(request.matchdict["id"]), body.decision, body.comment or ""
    )
    return application_json(application)


@api_view(route_name="api.commission.decisions", request_method="POST", permission="commission")
def decide_many(request: Request):
    ids, decision, comment = workbench.parse_batch(body_of(request, BatchDecision).model_dump(exclude_unset=True))
    results = workbench.decide_many(request.dbsession, request.account, ids, decision, comment)
    return {"results": results, "decided": sum(1 for r in results if r["ok"]), "refused": sum(1 for r in results if not r["ok"])}
