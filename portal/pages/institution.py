"""The institution end: activate staff accounts, confirm or return staff applications."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Institution
from pipeline.lifecycle import Status
from portal.pages.common import FORM_ERRORS, decision_page, form_refused, page_number
from portal.services import accounts, applications, attachments, institution_desk, review

PROGRESS = (Status.awaiting_institution, Status.pending_approval, Status.returned, Status.approved, Status.issued,
            Status.published, Status.rejected, Status.verification_failed, Status.withdrawn)


A_PAGE = 100  # items of each list a page


def dashboard(request: Request, **extra) -> dict:
    """What waits for the institution, and the progress of every application it confirmed or filed, by status. Each
    list pages on its own (a hospital signing up its three thousand nurses): `cursor`/`page` for the accounts,
    `task_cursor`/`task_page` for the applications to confirm, `progress_cursor`/`progress_page` for the progress."""
    session, account, params = request.dbsession, request.account, request.params
    numbers = {name: page_number(params.get(f"{name}page")) for name in ("", "task_", "progress_")}
    pending, _, pending_next = institution_desk.staff_accounts(session, account, "pending_activation", None,
                                                               params.get("cursor", ""), A_PAGE, numbers[""], counted=False)
    waiting = institution_desk.tasks(session, account, Status.awaiting_institution, None, None, params.get("task_cursor", ""),
                                     A_PAGE, numbers["task_"], counted=False)
    shown = params.get("status", "") if params.get("status", "") in PROGRESS else Status.pending_approval
    progress = institution_desk.tasks(session, account, shown, None, None, params.get("progress_cursor", ""), A_PAGE,
                                      numbers["progress_"])
    return {
        "institution": session.get(Institution, account.institution_id),
        "pending": pending, "pending_next": pending_next,
        "tasks": waiting["items"], "tasks_next": waiting["next"],
        "names": applications.person_names(session, waiting["items"] + progress["items"]),
        "progress": progress, "progress_status": shown, "progress_statuses": PROGRESS,
        "numbers": numbers, "issued": None,
        **extra,
    }


@view_config(route_name="institution", renderer="institution.jinja2", permission="institution")
def institution_home(request: Request):
    return dashboard(request)


@view_config(route_name="institution.activation_code", request_method="POST", renderer="institution.jinja2", permission="institution")
def issue_activation_code(request: Request):
    account_id = int(request.matchdict["id"])
    try:
        code = accounts.issue_activation_code(request.dbsession, request.medreg, request.account, account_id)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return dashboard(request, error=error)
    person = accounts.person_of(request.dbsession, account_id)
    hours = int(accounts.ACTIVATION_CODE_TTL.total_seconds() // 3600)
    return dashboard(request, issued={"account_id": account_id, "name": person.name if person else "", "code": code, "hours": hours})


@view_config(route_name="institution.reject_signup", request_method="POST", renderer="institution.jinja2", permission="institution")
def reject_signup(request: Request):
    account_id = int(request.matchdict["id"])
    person = accounts.person_of(request.dbsession, account_id)
    try:
        accounts.reject_signup(request.dbsession, request.medreg, request.account, account_id)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return dashboard(request, error=error)
    request.session.flash(f"已驳回{person.name if person else ''}的注册申请，其证件号码可重新注册。")
    return HTTPFound(location=request.route_url("institution"))


def task_page(request: Request, application_id: int, **extra) -> dict:
    application = applications.visible_application(request.dbsession, request.account, application_id)
    return {
        "application": application,
        "names": applications.person_names(request.dbsession, [application]),
        "institution_names": applications.institution_names(request.dbsession, {application.institution_id or 0}),
        "decidable": application.status == "awaiting_institution",
        "rv": review.review(request.dbsession, request.medreg, application),
        "attachable": attachments.can_attach(request.account, application),
        **extra,
    }


@view_config(route_name="institution.task", request_method="GET", renderer="institution_task.jinja2", permission="institution")
def task(request: Request):
    return task_page(request, int(request.matchdict["id"]))


@view_config(route_name="institution.task", request_method="POST", renderer="institution_task.jinja2", permission="institution")
def decide(request: Request):
    confirmed = request.POST.get("decision", "") == "confirm"
    done = "已确认，申请已提交卫生健康委审批。" if confirmed else "已退回申请人。"
    return decision_page(request, applications.institution_decide, task_page, done, "institution")


@view_config(route_name="institution.task.reveal", request_method="POST", renderer="institution_task.jinja2", permission="institution")
def reveal(request: Request):
    """Show the applicant's full ID number once, and audit who saw it."""
    application, number = review.reveal_id_number(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return task_page(request, application.id, revealed=number)
