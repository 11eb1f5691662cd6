"""The commission end's workbench 审批工作台: its jurisdiction's applications with filters, time-limit markers and
decisions on one or several items."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Commission
from pipeline import clock
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS
from pipeline.numbers import is_count
from pipeline.time_limits import MARKER_LABELS
from portal.errors import REFUSALS
from portal.pages.common import decision_page, form_error
from portal.services import applications, review, workbench

DECISION_DONE = {"approve": "已批准，正在赋码并公示。", "reject": "已作出不予批准决定。", "return": "已退回申请人修改。"}
DECISION_LABELS = {"approve": "批准", "reject": "不予批准", "return": "退回修改"}
PAGE_SIZE = 50


def workbench_page(request: Request, **extra) -> dict:
    session, account = request.dbsession, request.account
    limits = workbench.time_limits(request.registry.settings)
    try:
        filt = workbench.parse_queue_filter(request.params, account, default_per_page=PAGE_SIZE)
        error = None
    except REFUSALS as refusal:
        filt, error = workbench.QueueFilter(per_page=PAGE_SIZE), form_error(request, refusal, keep=True)
        request.response.status = 400
    page = workbench.queue_page(session, account, filt, limits)
    return {
        "commission": session.get(Commission, account.division_code),
        "page": page,
        "filter": filt,
        "error": extra.pop("error", None) or error,
        "kinds": [(name, kind.label) for name, kind in KINDS.items() if kind.commission_approves],
        "statuses": [("all", "全部状态"), *STATUS_LABELS.items()],
        "markers": list(MARKER_LABELS.items()),
        "sorts": list(workbench.SORTS.items()),
        **extra,
    }


@view_config(route_name="commission", renderer="commission.jinja2", permission="commission")
def queue(request: Request):
    return workbench_page(request)


@view_config(route_name="commission.decisions", request_method="POST", renderer="commission.jinja2", permission="commission")
def decide_many(request: Request):
    ids = [int(value) for value in request.POST.getall("ids") if is_count(value)]
    body = {"ids": ids, "decision": request.POST.get("decision"), "comment": request.POST.get("comment", "")}
    try:
        ids, decision, comment = workbench.parse_batch(body)
    except REFUSALS as refusal:
        request.response.status = 400
        return workbench_page(request, error=form_error(request, refusal), batch_comment=body["comment"])
    results = workbench.decide_many(request.dbsession, request.account, ids, decision, comment)
    done = [r["id"] for r in results if r["ok"]]
    if done:
        request.session.flash(f"已{DECISION_LABELS[decision]} {len(done)} 件：" + "、".join(f"#{i}" for i in done))
    for refused in (r for r in results if not r["ok"]):
        request.session.flash(f"#{refused['id']} 未办理：{refused['error']['message']}")
    return HTTPFound(location=request.route_url("commission"))


def item_page(request: Request, application_id: int, **extra) -> dict:
    application = applications.visible_application(request.dbsession, request.account, application_id)
    limits = workbench.time_limits(request.registry.settings)
    entered = next((e.at for e in reversed(application.history)
                    if e.to_status == "pending_approval" and e.from_status != "pending_approval"), None)
    deadline = None
    if application.status == "pending_approval":
        deadline = workbench.deadline(application.kind, clock.day_of(entered or application.submitted_at),
                                      workbench.clock.today(), limits)
    return {
        "application": application,
        "names": applications.person_names(request.dbsession, [application]),
        "institution_names": applications.institution_names(request.dbsession, {application.institution_id or 0}),
        "decidable": application.status == "pending_approval" and application.commission_code == request.account.division_code,
        "deadline": deadline,
        "rv": review.review(request.dbsession, request.medreg, application),
        **extra,
    }


@view_config(route_name="commission.item", request_method="GET", renderer="commission_item.jinja2", permission="commission")
def item(request: Request):
    return item_page(request, int(request.matchdict["id"]))


@view_config(route_name="commission.item", request_method="POST", renderer="commission_item.jinja2", permission="commission")
def decide(request: Request):
    done = DECISION_DONE.get(request.POST.get("decision", ""), "已处理。")
    return decision_page(request, applications.commission_decide, item_page, done, "commission")


@view_config(route_name="commission.item.reveal", request_method="POST", renderer="commission_item.jinja2", permission="commission")
def reveal(request: Request):
    """Show the applicant's full ID number once, and audit who saw it."""
    application, number = review.reveal_id_number(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return item_page(request, application.id, revealed=number)
