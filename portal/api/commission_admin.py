"""The commission end beyond the queue: accounts, query, statistics and exports, and the audit log."""
from __future__ import annotations

from urllib.parse import quote

from pyramid.request import Request
from pyramid.response import Response

from models.audit import audit as write_audit
from models.db import engine_for
from pipeline import clock
from pipeline.accounts import OneTimePassword, StaffAccount
from pipeline.persons import mask_mobile
from pipeline.routing import jurisdiction_prefix
from portal.api.common import api_view, body_of
from portal.errors import invalid
from portal.services import (
    audit_log,
    commission_accounts,
    commission_search,
    exports,
    paging,
    register_exports,
    statistics,
    workbench,
)
from portal.services.statistics import parse_group, parse_period


def account_json(account, whose: str) -> dict:
    return {"id": account.id, "username": account.username, "role": account.role, "status": account.status,
            "institution_id": account.institution_id, "division": account.division_code, "admin": bool(account.admin),
            "must_change_password": bool(account.must_change_password), "whose": whose,
            "created_at": clock.iso(account.created_at)}


@api_view(route_name="api.commission.accounts", request_method="GET", permission="commission")
def list_accounts(request: Request):
    params = request.params
    cursor, limit = paging.requested(params, commission_accounts.MAX_LIST)
    listed = commission_accounts.list_accounts(request.dbsession, request.account, params.get("role", "institution"),
                                               params.get("status", ""), params.get("q", ""), cursor, limit)
    return {"items": [account_json(account, whose) for account, whose in listed.rows], "next": listed.next}


@api_view(route_name="api.commission.accounts", request_method="POST", permission="commission")
def create_staff(request: Request):
    commission_accounts.require_admin(request.account)  # who may, before what: 403 before 400
    body = body_of(request, StaffAccount).model_dump(exclude_unset=True)
    account = commission_accounts.create_staff(request.dbsession, request.account, body)
    request.response.status = 201
    return account_json(account, account.division_code or "")


def _account_action(request: Request, enabled: bool):
    account = commission_accounts.set_enabled(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]),
                                              enabled)
    return {"id": account.id, "status": account.status}


@api_view(route_name="api.commission.account.disable", request_method="POST", permission="commission")
def disable(request: Request):
    return _account_action(request, False)


@api_view(route_name="api.commission.account.enable", request_method="POST", permission="commission")
def enable(request: Request):
    return _account_action(request, True)


@api_view(route_name="api.commission.account.password_reset", request_method="POST", permission="commission")
def password_reset(request: Request):
    commission_accounts.require_admin(request.account)  # who may, before what: 403 before 400
    body = body_of(request, OneTimePassword, optional=True)
    outcome = commission_accounts.reset_password(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]),
                                                 body.mobile)
    request.response.status = 202
    if outcome.request_id is not None:
        return {"id": int(request.matchdict["id"]), "sent_to": outcome.sent_to, "status": "awaiting_second_admin",
                "request_id": outcome.request_id}
    return {"id": int(request.matchdict["id"]), "sent_to": outcome.sent_to, "status": "sent", "must_change_password": True}


def request_json(request, account) -> dict:
    return {"id": request.id, "account_id": account.id, "username": account.username, "role": account.role,
            "sent_to": mask_mobile(request.mobile), "requested_by": request.requested_by,
            "status": request.status, "created_at": clock.iso(request.created_at), "expires_at": clock.iso(request.expires_at)}


@api_view(route_name="api.commission.account_requests", request_method="GET", permission="commission")
def account_requests(request: Request):
    rows = commission_accounts.pending_requests(request.dbsession, request.account)
    return {"items": [request_json(item, account) for item, account in rows]}


@api_view(route_name="api.commission.account_request.approve", request_method="POST", permission="commission")
def approve_account_request(request: Request):
    item, account = commission_accounts.approve_request(request.dbsession, request.medreg, request.account,
                                                        int(request.matchdict["id"]))
    request.response.status = 202
    return {"id": account.id, "sent_to": mask_mobile(item.mobile), "status": "sent", "must_change_password": True}


@api_view(route_name="api.commission.search", request_method="GET", permission="commission")
def search(request: Request):
    return commission_search.search(request.dbsession, request.medreg, request.account, request.params.get("q", ""),
                                    request.params)


@api_view(route_name="api.commission.stats", request_method="GET", permission="commission")
def stats(request: Request):
    group = parse_group(request.params.get("group_by"))
    return statistics.application_counts(request.dbsession, request.account, group, parse_period(request.params))


@api_view(route_name="api.commission.stats.registers", request_method="GET", permission="commission")
def stats_registers(request: Request):
    return statistics.register_counts(request.dbsession, request.account)


@api_view(route_name="api.commission.stats.processing", request_method="GET", permission="commission")
def stats_processing(request: Request):
    return statistics.processing_times(request.dbsession, request.account, parse_period(request.params))


@api_view(route_name="api.commission.stats.backlog", request_method="GET", permission="commission")
def stats_backlog(request: Request):
    return statistics.backlog(request.dbsession, request.account, workbench.time_limits(request.registry.settings))


def export_response(request: Request) -> Response:
    """The report named by `report` as a CSV or XLSX download (shared by the API and the statistics page). Without
    `report` (or `format`), the figures `GET /api/v1/commission/stats` answers with the same `group_by`, `since` and
    `until` (as CSV): the contract names the export beside the statistics, with no parameter of its own."""
    fmt = request.params.get("format") or "csv"
    if fmt not in exports.FORMATS:
        raise invalid({"format": "应为 csv 或 xlsx"})
    report = request.params.get("report") or "applications"
    if report not in statistics.REPORTS:
        raise invalid({"report": "应为 " + "、".join(statistics.REPORTS)})
    title, headers, rows = statistics.report_table(request.dbsession, request.account, report, request.params,
                                                   workbench.time_limits(request.registry.settings))
    if fmt == "csv":
        response = Response(app_iter=exports.csv_chunks(headers, rows), content_type="text/csv", charset="utf-8")
    else:
        response = Response(app_iter=exports.xlsx_chunks(title, headers, rows), content_type=exports.FORMATS[fmt])
    filename = f"{title}.{fmt}"
    response.content_disposition = f"attachment; filename=\"{report}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    return response


@api_view(route_name="api.commission.export", request_method="GET", permission="commission")
def export(request: Request):
    return export_response(request)


def register_export_response(request: Request) -> Response:
    """The register named by `register` (physicians, nurses, institutions) of the caller's jurisdiction as a CSV or
    XLSX download, streamed from a connection of its own (portal/services/register_exports.py); one audit entry per
    export, with the row count (shared by the API and the statistics page)."""
    register, fmt = register_exports.parse(request.params)
    account = request.account
    stream = register_exports.RegisterStream(engine_for(request.medreg.database_url), register,
                                             jurisdiction_prefix(account.division_code))
    try:
        if fmt == "xlsx" and stream.count > register_exports.XLSX_MAX_ROWS:
            raise invalid({"format": f"共 {stream.count} 行，超过 Excel 工作表的行数上限（{register_exports.XLSX_MAX_ROWS} 行），"
                                     "请导出 CSV"})
        write_audit(request.dbsession, f"account:{account.id}", "export_register", f"register:{register}",
                    account.division_code, register=register, format=fmt, rows=stream.count)
    except BaseException:
        stream.close()
        raise
    # Should the request fail after this (its transaction not committing), the body is never read: close it then.
    request.add_finished_callback(lambda done: stream.close() if done.exception is not None else None)
    download = register_exports.Download(stream, fmt)
    if fmt == "csv":
        response = Response(app_iter=download, content_type="text/csv", charset="utf-8")
    else:
        response = Response(app_iter=download, content_type=exports.FORMATS[fmt])
    filename = f"{stream.title}.{fmt}"
    response.content_disposition = f"attachment; filename=\"{register}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Medreg-Rows"] = str(stream.count)
    return response


@api_view(route_name="api.commission.register_export", request_method="GET", permission="commission")
def register_export(request: Request):
    return register_export_response(request)


@api_view(route_name="api.commission.audit", request_method="GET", permission="commission")
def audit(request: Request):
    filt = audit_log.parse_audit_filter(request.params)
    page = audit_log.audit_page(request.dbsession, request.account, filt)
    return {"items": [audit_log.entry_json(e) for e in page.entries], "total": page.count.total,
            "total_capped": page.count.capped, "page": filt.page, "per_page": audit_log.PER_PAGE, "next": page.next}
