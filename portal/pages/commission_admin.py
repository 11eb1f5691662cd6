"""The commission end's other pages: accounts 账号管理, query 信息查询, statistics 统计分析 (charts and exports)
and the audit log 审计日志."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from models import Commission
from models.divisions import within
from pipeline.routing import jurisdiction_prefix
from portal.api.commission_admin import export_response, register_export_response
from portal.errors import REFUSALS, described
from portal.pages.charts import bar_chart
from portal.pages.common import FORM_ERRORS, form_error, page_number
from portal.services import audit_log, commission_accounts, commission_search, register_exports, statistics, workbench

ACCOUNT_ACTIONS = {"disable": "已停用账号", "enable": "已重新启用账号", "password-reset": "已重置密码，新密码已短信发送至"}


ACCOUNTS_A_PAGE = 100


def accounts_page(request: Request, **extra) -> dict:
    """The institution accounts and (administrators) the staff accounts, each list paged on its own: `cursor` and
    `page` for the one, `staff_cursor` and `staff_page` for the other."""
    session, account, params = request.dbsession, request.account, request.params
    q = params.get("q", "")
    pages = {name: page_number(params.get(name)) for name in ("page", "staff_page")}
    institutions = commission_accounts.list_accounts(session, account, "institution", "", q, params.get("cursor", ""),
                                                     ACCOUNTS_A_PAGE, pages["page"])
    staff = (commission_accounts.list_accounts(session, account, "commission", "", "", params.get("staff_cursor", ""),
                                               ACCOUNTS_A_PAGE, pages["staff_page"]) if account.admin else None)
    prefix = jurisdiction_prefix(account.division_code)
    divisions = list(session.query(Commission).filter(*within(Commission.division_code, prefix))
                     .order_by(Commission.division_code)) if account.admin else []
    requests = commission_accounts.pending_requests(session, account) if account.admin else []
    return {"institutions": institutions, "staff": staff, "pages": pages, "divisions": divisions, "q": q, "requests": requests,
            "masked": commission_accounts.masked, "statuses": commission_accounts.ACCOUNT_STATUSES, **extra}


@view_config(route_name="commission.account_request.approve", request_method="POST", renderer="commission_accounts.jinja2",
             permission="commission")
def approve_account_request(request: Request):
    """A second administrator approves another's request to send a new password to a mobile not on record."""
    try:
        item, target = commission_accounts.approve_request(request.dbsession, request.medreg, request.account,
                                                           int(request.matchdict["id"]))
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return accounts_page(request, error=error)
    request.session.flash(f"已批准请求 #{item.id}：账号 {target.username} 的新密码已短信发送至 {commission_accounts.masked(item.mobile)}。")
    return HTTPFound(location=request.route_url("commission.accounts"))


@view_config(route_name="commission.accounts", request_method="GET", renderer="commission_accounts.jinja2", permission="commission")
def accounts(request: Request):
    return accounts_page(request)


@view_config(route_name="commission.accounts", request_method="POST", renderer="commission_accounts.jinja2", permission="commission")
def create_staff(request: Request):
    form = {name: request.POST.get(name, "") for name in ("username", "password", "division")}
    body = {**form, "admin": request.POST.get("admin") == "1"}
    try:
        created = commission_accounts.create_staff(request.dbsession, request.account, body)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return accounts_page(request, error=error, form={**form, "password": ""})
    request.session.flash(f"已创建工作人员账号 {created.username}（{created.division_code}），首次登录须修改密码。")
    return HTTPFound(location=request.route_url("commission.accounts"))


@view_config(route_name="commission.account.action", request_method="POST", renderer="commission_accounts.jinja2", permission="commission")
def account_action(request: Request):
    account_id, action = int(request.matchdict["id"]), request.matchdict["action"]
    try:
        if action == "password-reset":
            outcome = commission_accounts.reset_password(request.dbsession, request.medreg, request.account, account_id,
                                                         request.POST.get("mobile") or None)
            if outcome.request_id is not None:
                request.session.flash(f"发往非登记手机 {outcome.sent_to} 须另一名管理员批准（请求 #{outcome.request_id}）。")
            else:
                request.session.flash(f"{ACCOUNT_ACTIONS[action]} {outcome.sent_to}，对方首次登录须修改密码。")
        else:
            commission_accounts.set_enabled(request.dbsession, request.medreg, request.account, account_id, action == "enable")
            request.session.flash(f"{ACCOUNT_ACTIONS[action]} #{account_id}。")
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return accounts_page(request, error=error)
    return HTTPFound(location=request.route_url("commission.accounts"))


@view_config(route_name="commission.search", renderer="commission_search.jinja2", permission="commission")
def search(request: Request):
    q = request.params.get("q", "")
    if not q.strip():
        return {"q": q, "results": None}
    try:
        results = commission_search.search(request.dbsession, request.medreg, request.account, q, request.params)
    except REFUSALS as refusal:
        request.response.status = 400
        return {"q": q, "results": None, "error": form_error(request, refusal, keep=True)}
    return {"q": q, "results": results}


@view_config(route_name="commission.stats", renderer="commission_stats.jinja2", permission="commission")
def stats(request: Request):
    session, account = request.dbsession, request.account
    try:
        period = statistics.parse_period(request.params)
        group = statistics.parse_group(request.params.get("group_by"))
        error = None
    except REFUSALS as refusal:
        period, group, error = statistics.Period(), "kind", form_error(request, refusal, keep=True)
        request.response.status = 400
    counts = statistics.application_counts(session, account, group, period)
    registers = statistics.register_counts(session, account)
    processing = statistics.processing_times(session, account, period)
    backlog = statistics.backlog(session, account, workbench.time_limits(request.registry.settings))
    return {
        "error": error, "group": group, "groups": statistics.GROUPS, "period": period, "counts": counts,
        "registers": registers, "processing": processing, "backlog": backlog, "register_exports": register_exports.REGISTERS,
        "charts": {
            "counts": bar_chart([(r["label"], r["count"]) for r in counts["rows"]], f"业务申请数（按{statistics.GROUPS[group]}）", " 件"),
            "registers": bar_chart([(f"{r['division_name'] or r['division']} {r['institution_type']}", r["physicians"] + r["nurses"])
                                    for r in registers["rows"]], "注册医师和护士数（按行政区划和机构类别）", " 人"),
            "processing": bar_chart([(s["label"], s["median_hours"]) for s in processing["stages"]], "各环节办理时长中位数", " 小时"),
            "backlog": bar_chart([(r["name"], r["pending"]) for r in backlog["rows"]], "各卫健委待审批积压", " 件"),
        },
        "query": {"group_by": group, **({"since": period.since.isoformat()} if period.since else {}),
                  **({"until": period.until.isoformat()} if period.until else {})},
    }


def _download(request: Request, respond) -> Response:
    """A download, or its refusal as plain text (a link or a GET form led here, not a page to show again)."""
    try:
        return respond(request)
    except REFUSALS as refusal:
        request.response.status, _, message, fields, _ = described(refusal)
        request.response.content_type = "text/plain"
        request.response.text = "\n".join([message, *fields.values()])
        return request.response


@view_config(route_name="commission.export", permission="commission")
def export(request: Request):
    return _download(request, export_response)


@view_config(route_name="commission.register_export", permission="commission")
def register_export(request: Request):
    return _download(request, register_export_response)


@view_config(route_name="commission.audit", renderer="commission_audit.jinja2", permission="commission")
def audit(request: Request):
    try:
        filt, error = audit_log.parse_audit_filter(request.params), None
    except REFUSALS as refusal:
        filt, error = audit_log.AuditFilter(), form_error(request, refusal, keep=True)
        request.response.status = 400
    page = audit_log.audit_page(request.dbsession, request.account, filt)
    return {"entries": audit_log.shown(request.dbsession, page.entries), "actions": audit_log.ACTION_LABELS,
            "count": page.count, "filter": filt, "pages": page.count.pages(audit_log.PER_PAGE), "next": page.next, "error": error,
            "form": {k: request.params.get(k, "") for k in ("actor", "action", "since", "until")}}
