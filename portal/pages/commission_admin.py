"""The commission end's other pages: accounts 账号管理, query 信息查询, statistics 统计分析 (charts and exports)
and the audit log 审计日志."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config

from models import Account, Commission
from models.divisions import within
from pipeline.errors import ValidationFailed
from pipeline.persons import mask_mobile
from pipeline.routing import jurisdiction_prefix
from portal.api.commission_admin import export_response, register_export_response
from portal.errors import REFUSALS, described
from portal.pages.charts import bar_chart
from portal.pages.common import FORM_ERRORS, FormError, form_error, form_refused, page_number
from portal.pages.errors import error_page
from portal.services import audit_log, commission_accounts, commission_search, register_exports, statistics, workbench
from portal.services.paging import Count

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
            "statuses": commission_accounts.ACCOUNT_STATUSES, "error_row": None,
            "list_query": list_query(request), **extra}


@view_config(route_name="commission.account_request.approve", request_method="POST", renderer="commission_accounts.jinja2",
             permission="commission")
def approve_account_request(request: Request):
    """A second administrator approves another's request to send a new password to a mobile not on record."""
    try:
        item, target = commission_accounts.approve_request(request.dbsession, request.medreg, request.account,
                                                           int(request.matchdict["id"]))
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return accounts_page(request, error=error)
    request.session.flash(f"已批准请求 #{item.id}：账号 {target.username} 的新密码已短信发送至 {mask_mobile(item.mobile)}。")
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
        error = form_refused(request, refusal)
        return accounts_page(request, error=error, form={**form, "password": ""})
    request.session.flash(f"已创建工作人员账号 {created.username}（{created.division_code}），首次登录须修改密码。")
    return HTTPFound(location=request.route_url("commission.accounts"))


@view_config(route_name="commission.account.action", request_method="POST", renderer="commission_accounts.jinja2", permission="commission")
def account_action(request: Request):
    """A row's button. A refusal shows the same page of the list again (the row's form posts with the list's `q` and
    cursor), with the reason beside that row's mobile box, the mobile as typed, and the account named on top."""
    account_id, action = int(request.matchdict["id"]), request.matchdict["action"]
    mobile = request.POST.get("mobile", "")
    try:
        if action == "password-reset":
            outcome = commission_accounts.reset_password(request.dbsession, request.medreg, request.account, account_id,
                                                         mobile.strip() or None)
            if outcome.request_id is not None:
                request.session.flash(f"发往非登记手机 {outcome.sent_to} 须另一名管理员批准（请求 #{outcome.request_id}）。")
            else:
                request.session.flash(f"{ACCOUNT_ACTIONS[action]} {outcome.sent_to}，对方首次登录须修改密码。")
        else:
            commission_accounts.set_enabled(request.dbsession, request.medreg, request.account, account_id, action == "enable")
            request.session.flash(f"{ACCOUNT_ACTIONS[action]} #{account_id}。")
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        if error.status != 404:  # a row of the list (one out of reach is not named)
            error = FormError(row_refused(request, account_id, action, error), error.fields, error.status)
        return accounts_page(request, error=error, error_row=account_id if error.status != 404 else None,
                             form={"mobile": mobile} if action == "password-reset" else {})
    return HTTPFound(location=request.route_url("commission.accounts", _query=list_query(request)))


ROW_ACTIONS = {"disable": "停用", "enable": "重新启用", "password-reset": "重置密码"}


def row_refused(request: Request, account_id: int, action: str, error: FormError) -> str:
    """The message on top of a row's refusal: which account, what was not done, and why."""
    # Named only once the service found it the actor's to manage (a refused field, a conflict): a 403 comes before that.
    target = request.dbsession.get(Account, account_id) if error.status in (400, 409) else None
    who = f"账号 {target.username}（#{account_id}）" if target is not None and target.username else f"账号 #{account_id}"
    reasons = "；".join(error.fields.values()) or error.message
    return f"{who}未{ROW_ACTIONS[action]}：{reasons}"


def list_query(request: Request) -> dict[str, str]:
    """Where the lists stood (search and each list's page), for a row's form and the way back."""
    names = ("q", "cursor", "page", "staff_cursor", "staff_page")
    return {name: request.params[name] for name in names if request.params.get(name)}


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


@view_config(route_name="commission.person.reveal", request_method="POST", renderer="commission_search.jinja2",
             permission="commission")
def reveal_person(request: Request):
    """One person's full ID number, from their row of the search (a person imported from a legacy register has no
    application page to reveal it on); audited as the application's reveal. The query stays in the box, with a way
    back to its results; the number is in this answer alone, never in an address."""
    q = request.POST.get("q", "")
    try:
        person, number = commission_search.reveal_person(request.dbsession, request.medreg, request.account,
                                                         int(request.matchdict["id"]))
    except REFUSALS as refusal:
        error = form_refused(request, refusal)
        return {"q": q, "results": None, "error": error}
    return {"q": q, "results": None, "revealed": {"person": person, "id_number": number}}


STATS_REFUSED = "统计条件有误，请按提示修改；按提交日期或分组统计的项目未显示（以免把未筛选的数字当作筛选结果）。"


@view_config(route_name="commission.stats", renderer="commission_stats.jinja2", permission="commission")
def stats(request: Request):
    """A refused period or grouping keeps what was typed and names the reason by the field; the reports it governs
    (applications, processing times) are left out rather than shown for all time. The registers and the backlog are
    of today, whatever the period, and are shown."""
    session, account, params = request.dbsession, request.account, request.params
    typed = {name: params.get(name, "") for name in ("since", "until", "group_by")}
    errors: dict[str, str] = {}
    period: statistics.Period | None = None
    group: str | None = None
    try:
        period = statistics.parse_period(params)
    except ValidationFailed as refusal:
        errors.update(refusal.fields)
    try:
        group = statistics.parse_group(params.get("group_by"))
    except ValidationFailed:
        errors["group_by"] = "请从列表中选择申请统计分组"
    error = FormError(STATS_REFUSED, errors) if errors else None
    if error:
        request.response.status = 400
    counts = statistics.application_counts(session, account, group, period) if period and group else None
    processing = statistics.processing_times(session, account, period) if period else None
    registers = statistics.register_counts(session, account)
    backlog = statistics.backlog(session, account, workbench.time_limits(request.registry.settings))
    charts = {
        "registers": bar_chart([(f"{r['division_name'] or r['division']} {r['institution_type']}", r["physicians"] + r["nurses"])
                                for r in registers["rows"]], "注册医师和护士数（按行政区划和机构类别）", " 人"),
        "backlog": bar_chart([(r["name"], r["pending"]) for r in backlog["rows"]], "各卫健委待审批积压", " 件"),
    }
    if counts is not None and group is not None:
        charts["counts"] = bar_chart([(r["label"], r["count"]) for r in counts["rows"]],
                                     f"业务申请数（按{statistics.GROUPS[group]}）", " 件")
    if processing is not None:
        charts["processing"] = bar_chart([(s["label"], s["median_hours"]) for s in processing["stages"]], "各环节办理时长中位数", " 小时")
    query = {"group_by": group or "kind"}
    if period is not None:
        query.update({name: getattr(period, name).isoformat() for name in ("since", "until") if getattr(period, name)})
    return {
        "error": error, "typed": typed, "group": group or typed["group_by"], "groups": statistics.GROUPS, "period": period,
        "counts": counts, "registers": registers, "processing": processing, "backlog": backlog,
        "register_exports": register_exports.REGISTERS, "charts": charts, "query": query,
    }


# The fields of a download's link or form, by the words of the statistics page.
DOWNLOAD_FIELDS = {"report": "统计项目", "register": "名册", "format": "文件格式", "group_by": "申请统计分组",
                   "since": "提交日期起", "until": "提交日期止"}


def _download(request: Request, respond) -> Response:
    """A download, or its refusal as a page: each refused field named in Chinese, with the way back to the
    statistics page the link or form was on (an Excel file beyond the worksheet's rows is refused here)."""
    try:
        return respond(request)
    except REFUSALS as refusal:
        status, _, message, fields, _ = described(refusal)
        reasons = "；".join(f"{DOWNLOAD_FIELDS.get(name, '导出条件')}：{reason}" for name, reason in fields.items())
        return error_page(request, status, f"未能导出。{reasons}" if reasons else message,
                          back=(request.route_url("commission.stats"), "返回统计分析"))


@view_config(route_name="commission.export", permission="commission")
def export(request: Request):
    return _download(request, export_response)


@view_config(route_name="commission.register_export", permission="commission")
def register_export(request: Request):
    return _download(request, register_export_response)


@view_config(route_name="commission.audit", renderer="commission_audit.jinja2", permission="commission")
def audit(request: Request):
    form = {k: request.params.get(k, "") for k in ("actor", "action", "since", "until")}
    try:
        filt = audit_log.parse_audit_filter(request.params)
    except REFUSALS as refusal:
        # Nothing listed: the unfiltered log under a refused filter would read as the filter's result (as the
        # workbench does).
        return {"entries": [], "actions": audit_log.ACTION_LABELS, "count": Count(0, False), "filter": audit_log.AuditFilter(),
                "pages": None, "next": None, "error": form_refused(request, refusal, keep=True), "refused": True, "form": form}
    page = audit_log.audit_page(request.dbsession, request.account, filt)
    return {"entries": audit_log.shown(request.dbsession, page.entries), "actions": audit_log.ACTION_LABELS,
            "count": page.count, "filter": filt, "pages": page.count.pages(audit_log.PER_PAGE), "next": page.next, "error": None,
            "refused": False, "form": form}
