"""The commission end's workbench 审批工作台: its jurisdiction's applications with filters, time-limit markers and
decisions on one or several items."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Commission
from pipeline import clock
from pipeline.errors import ValidationFailed
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS
from pipeline.numbers import is_count
from pipeline.time_limits import MARKER_LABELS
from portal.errors import REFUSALS
from portal.headers import last_values
from portal.pages.common import FormError, decision_page, form_error
from portal.services import applications, review, workbench

DECISION_DONE = {"approve": "已批准，正在赋码并公示。", "reject": "已作出不予批准决定。", "return": "已退回申请人修改。"}
DECISION_LABELS = {"approve": "批准", "reject": "不予批准", "return": "退回修改"}
PAGE_SIZE = 50


FILTER_FIELDS = ("status", "kind", "marker", "sort", "division", "institution", "waiting_min", "per_page")
FILTER_REFUSED = "筛选条件有误，请按提示修改；未列出申请（以免把未筛选的结果当作筛选结果）。"
BATCH_REFUSED = "未办理任何申请，请按提示修改。"
NOTHING_CHOSEN = "请先勾选要处理的申请"
# What the page says for a filter it offers as a list (only a hand-made address gets there) and for the paging
# parameters its links carry: the service's reasons name the API's codes.
PAGE_REASONS = {"status": "请从列表中选择状态", "kind": "请从列表中选择业务类型", "marker": "请从列表中选择办理时限",
                "sort": "请从列表中选择排序方式", "page": "页码应为正整数，请从第1页重新查看",
                "per_page": f"每页件数应为1至{workbench.MAX_PER_PAGE}的整数",
                "cursor": "翻页位置无效（筛选条件或排序已改变），请从第1页重新查看"}
INSTITUTION_ID = "机构ID应为正整数；也可填写机构名称或统一社会信用代码"


def read_filter(request: Request) -> tuple[workbench.QueueFilter | None, dict[str, str], FormError | None]:
    """(filter, what was typed, error) of the filter form. The 执业机构 box also takes an institution's name or credit
    code (the API's `institution` is its id). A refused filter is None: the page lists nothing rather than the
    unfiltered queue under the error."""
    params = {key: value or "" for key, value in last_values(request.params).items()}
    typed = {name: params.get(name, "") for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    institution = typed["institution"].strip()
    if institution and not is_count(institution):
        try:
            params["institution"] = str(workbench.find_institution(request.dbsession, request.account, institution))
        except ValidationFailed as refusal:
            errors.update(refusal.fields)
            params.pop("institution")
    try:
        filt = workbench.parse_queue_filter(params, request.account, default_per_page=PAGE_SIZE)
    except ValidationFailed as refusal:
        errors = {**refusal.fields, **errors}
    if not errors:
        return filt, typed, None
    shown = {name: PAGE_REASONS.get(name, reason) for name, reason in errors.items()}
    if "institution" in errors and is_count(institution):
        shown["institution"] = INSTITUTION_ID
    return None, typed, FormError(FILTER_REFUSED, shown)


def list_args(filt: workbench.QueueFilter, typed: dict[str, str]) -> dict[str, str]:
    """The filter as the page's links carry it: the 执业机构 as typed (a name stays a name)."""
    args = filt.query_args()
    if typed.get("institution", "").strip():
        args["institution"] = typed["institution"].strip()
    return args


def workbench_page(request: Request, **extra) -> dict:
    session, account = request.dbsession, request.account
    filt, typed, error = read_filter(request)
    page, args = None, {}
    if filt is None:
        request.response.status = 400
    else:
        page = workbench.queue_page(session, account, filt, workbench.time_limits(request.registry.settings))
        args = list_args(filt, typed)
    here = {**args, **{name: request.params[name] for name in ("page", "cursor") if request.params.get(name)}}
    return {
        "commission": session.get(Commission, account.division_code),
        "page": page,
        "filter": filt,
        "typed": typed,
        "args": args,
        "here": here,
        "checked": set(),
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
    """The batch form posts to an address carrying the list's filter, so a refusal shows the same list again, with the
    boxes still ticked and the comment kept; nothing is decided."""
    ids = [int(value) for value in request.POST.getall("ids") if is_count(value)]
    body = {"ids": ids, "decision": request.POST.get("decision"), "comment": request.POST.get("comment", "")}
    try:
        ids, decision, comment = workbench.parse_batch(body)
    except REFUSALS as refusal:
        refused = form_error(request, refusal)
        fields = dict(refused.fields)
        if "ids" in fields and not ids:
            fields["ids"] = NOTHING_CHOSEN
        if "decision" in fields:
            fields["decision"] = "请点击“批量批准”“批量退回”或“批量不予批准”按钮"
        request.response.status = refused.status
        return workbench_page(request, error=FormError(BATCH_REFUSED if fields else refused.message, fields, refused.status),
                              batch_comment=body["comment"], checked=set(ids))
    results = workbench.decide_many(request.dbsession, request.account, ids, decision, comment)
    done = [r["id"] for r in results if r["ok"]]
    if done:
        request.session.flash(f"已{DECISION_LABELS[decision]} {len(done)} 件：" + "、".join(f"#{i}" for i in done))
    for refused_item in (r for r in results if not r["ok"]):
        request.session.flash(f"#{refused_item['id']} 未办理：{refused_item['error']['message']}")
    kept = {name: value for name in FILTER_FIELDS if (value := request.GET.get(name))}
    return HTTPFound(location=request.route_url("commission", _query=kept))


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
