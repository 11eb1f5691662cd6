"""Chinese pages of the institution end beyond confirmation: licence business, information and history, staff,
scope map, verification tools, batch uploads, inbox; the commission's set-up approval; everyone's password."""
from __future__ import annotations

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.security import remember
from pyramid.view import view_config

from models import Batch, batches
from pipeline import codes
from pipeline.kinds import INSTITUTION, KINDS, kinds_where
from pipeline.persons import mask_mobile
from pipeline.registers.institutions import FIELD_LABELS, STATUS_LABELS
from portal.errors import invalid
from portal.pages.common import FORM_ERRORS, form_refused, mistyped_password, page_number
from portal.pages.kind_forms import confirmed, form_of, read_form, shown
from portal.services import applications, handout, institution_desk, statistics, verify_tools
from portal.services import notifications as inbox
from portal.services.attempts import client_of
from portal.services.commission_accounts import ACCOUNT_STATUSES

SETUP_FIELDS = ("name", "type", "division_code", "address", "departments", "beds", "legal_rep", "principal", "mobile",
                "approval_no", "phone", "fax")
COMMON = {"field_labels": FIELD_LABELS, "institution_status_labels": STATUS_LABELS}


# --- password (every role) --------------------------------------------------------------------------


@view_config(route_name="password_page", renderer="password.jinja2", permission="password")
def password(request: Request):
    forced = bool(request.account.must_change_password)
    if request.method != "POST":
        return {"forced": forced}
    if (mistyped := mistyped_password(request, "new_password")) is not None:
        return {"forced": forced, "error": mistyped}
    try:
        handout.change_password(request.dbsession, request.medreg, request.account, request.POST.get("old_password", ""),
                                request.POST.get("new_password", ""), client_of(request))
    except FORM_ERRORS as error:
        return {"forced": forced, "error": form_refused(request, error, keep=True)}  # a wrong old password still counts
    # The change ended every session of the account, this one too: this browser gets a new one, the others are out.
    request.session.invalidate()
    remember(request, request.account.id, epoch=request.account.session_epoch)
    new_csrf_token(request)
    request.session.flash("密码已修改，其他设备上的登录已失效。")
    return HTTPFound(location=request.route_url({"institution": "institution", "commission": "commission"}.get(request.account.role, "me")))


# --- commission: set-up approval ----------------------------------------------------------------------


@view_config(route_name="commission.institution_new", renderer="setup_approval.jinja2", permission="commission")
def setup_approval(request: Request):
    choices = {"types": codes.institution_types(), "departments": codes.departments(), **COMMON}
    if request.method != "POST":
        return {**choices, "form": {"division_code": request.account.division_code}}
    form = {name: request.POST.get(name, "").strip() for name in SETUP_FIELDS}
    data = {key: value for key, value in form.items() if value}
    data["departments"] = request.POST.getall("departments")
    try:
        institution, _ = handout.create_institution(request.dbsession, request.medreg, request.account, data)
    except FORM_ERRORS as error:
        return {**choices, "form": {**form, "departments": data["departments"]}, "error": form_refused(request, error)}
    request.session.flash(f"已录入“{institution.name}”的设置审批，账号和初始密码已短信发送至 {mask_mobile(institution.mobile)}。")
    return HTTPFound(location=request.route_url("commission.institution_new"))


def institution_page(request: Request, **extra) -> dict:
    """An institution of the jurisdiction as the commission sees it, with its account or the hand-out form."""
    session = request.dbsession
    institution = handout.visible_institution(session, request.account, int(request.matchdict["id"]))
    return {"institution": institution, "login": handout.account_of(session, institution.id),
            "account_statuses": ACCOUNT_STATUSES, "form": {}, **COMMON, **extra}


@view_config(route_name="commission.institution", renderer="commission_institution.jinja2", permission="commission")
def commission_institution(request: Request):
    return institution_page(request)


@view_config(route_name="commission.institution.account", request_method="POST", renderer="commission_institution.jinja2",
             permission="commission")
def hand_out_account(request: Request):
    """分发账号 for an institution already in the register: the username and password go by SMS, never on the page."""
    mobile = request.POST.get("mobile", "").strip()
    try:
        institution, _ = handout.hand_out(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]),
                                          {"mobile": mobile} if mobile else {})
    except FORM_ERRORS as error:
        shown_error = form_refused(request, error)
        if shown_error.status == 404:
            raise
        return institution_page(request, error=shown_error, form={"mobile": mobile})
    request.session.flash(f"已为“{institution.name}”分发账号，用户名和初始密码已短信发送至 {mask_mobile(institution.mobile)}，"
                          "机构首次登录须修改密码。")
    return HTTPFound(location=request.route_url("commission.institution", id=institution.id))


# --- licence business ------------------------------------------------------------------------------------


def business_page(request: Request, **extra) -> dict:
    """A form for each of the institution's own kinds it can apply for now: the registration (a kind that is
    pre-filled from the set-up approval) while only set up, every other kind once registered."""
    session, account = request.dbsession, request.account
    profile = institution_desk.profile(session, account)
    usable = [kind for kind in kinds_where(profession="institution", submitted_by=INSTITUTION)
              if (kind.prefill is not None) == (profile["status"] == "setup")]
    return {
        "profile": profile, "applications": institution_desk.own_applications(session, account),
        "forms": [form_of(request, kind, prefix=f"{kind.name}-") for kind in usable], "form": {}, **COMMON, **extra,
    }


@view_config(route_name="institution.business", renderer="institution_business.jinja2", permission="institution")
def business(request: Request):
    if request.method != "POST":
        return business_page(request)
    kind = KINDS.get(request.POST.get("kind", ""))
    if kind is None or kind.profession != "institution":
        return business_page(request, error=form_refused(request, invalid({"kind": "请选择业务类型"})), chosen="")
    data = read_form(request, kind)
    try:
        confirmed(request, kind, data)
        created = applications.submit(request.dbsession, request.account, kind.name, data)
    except FORM_ERRORS as error:
        return business_page(request, error=form_refused(request, error), form=shown(data), chosen=kind.name)
    request.session.flash(f"申请已提交（编号 {created.id}），正在核验。")
    return HTTPFound(location=request.route_url("institution.task", id=created.id))


@view_config(route_name="institution.profile", renderer="institution_profile.jinja2", permission="institution")
def profile(request: Request):
    """Phone and fax, and the webhook, each its own form. A refusal shows the form that was sent with what was typed
    (not what is on record) and the reason beside each refused box; nothing is saved. The signing secret is never
    written back into the page."""
    session, account = request.dbsession, request.account
    error, sent, form = None, None, {}
    if request.method == "POST":
        sent = "webhook" if request.POST.get("form") == "webhook" else "contact"
        try:
            if sent == "webhook":
                form = {"url": request.POST.get("url", "")}
                institution_desk.set_webhook(session, request.medreg, account,
                                             {"url": form["url"], "secret": request.POST.get("secret", "")})
                request.session.flash("回调地址已保存。")
            else:
                form = {"phone": request.POST.get("phone", ""), "fax": request.POST.get("fax", "")}
                institution_desk.update_profile(session, account, dict(form))
                request.session.flash("联系电话、传真已保存，并记入历史。")
            return HTTPFound(location=request.route_url("institution.profile"))
        except FORM_ERRORS as failure:
            error = form_refused(request, failure)
    current = institution_desk.profile(session, account)
    number = page_number(request.params.get("page"))
    try:
        history = institution_desk.history_events(session, account, request.params.get("cursor", ""),
                                                  institution_desk.HISTORY_A_PAGE, number)
    except FORM_ERRORS:  # a cursor that is not a `next` of ours: the first page
        number, history = 1, institution_desk.history_events(session, account, "", institution_desk.HISTORY_A_PAGE)
    return {"profile": current, "history": history, "number": number, "error": error, "sent": sent,
            "contact": form if sent == "contact" and error else {"phone": current["phone"] or "", "fax": current["fax"] or ""},
            "webhook": form if sent == "webhook" and error else {}, **COMMON}


# --- staff, scope map ------------------------------------------------------------------------------------


STAFF_A_PAGE = 50  # a card a person at 390 px: 50 are already a long scroll


@view_config(route_name="institution.staff", renderer="institution_staff.jinja2", permission="institution")
def staff(request: Request):
    session, account = request.dbsession, request.account
    profession = request.params.get("profession", "physician")
    error, typed, confirming = None, {}, None
    if request.method == "POST":
        profession = "other"
        try:
            if request.POST.get("remove"):
                # Deleting is for good: the first post asks (the page shows who, 确认删除 or 取消), the second deletes.
                row = institution_desk.own_other_staff(session, account, int(request.POST["remove"]))
                if request.POST.get("confirm") != "1":
                    confirming = institution_desk.other_staff_json(row)
                else:
                    institution_desk.remove_other_staff(session, account, row.id)
                    request.session.flash(f"已删除{row.name}。")
                    return HTTPFound(location=request.route_url("institution.staff", _query={"profession": "other"}))
            else:
                # What was typed stays in the form when a field is refused.
                typed = {k: request.POST.get(k, "") for k in ("name", "sex", "post", "title", "phone")}
                institution_desk.add_other_staff(session, account, typed)
                request.session.flash("已新增。")
                return HTTPFound(location=request.route_url("institution.staff", _query={"profession": "other"}))
        except (*FORM_ERRORS, ValueError) as failure:
            error = form_refused(request, failure) if not isinstance(failure, ValueError) else None
    try:
        listing = institution_desk.staff(session, account, profession, request.params.get("cursor", ""), STAFF_A_PAGE,
                                         page_number(request.params.get("page")))
    except FORM_ERRORS as failure:
        error = form_refused(request, failure)
        listing = {"profession": profession if profession in institution_desk.PROFESSIONS else "physician", "items": [], "count": 0,
                   "counts": {}, "next": None}
    return {"listing": listing, "error": error, "number": page_number(request.params.get("page")), "typed": typed,
            "confirming": confirming}


@view_config(route_name="institution.scope_map", renderer="institution_scope_map.jinja2", permission="institution")
def scope_map(request: Request):
    session, account = request.dbsession, request.account
    error = None
    if request.method == "POST":
        current = institution_desk.scope_map(session, account)
        wanted = {department: request.POST.getall(f"scope-{department}") for department in current["departments"]}
        try:
            institution_desk.replace_scope_map(session, account, {"map": wanted})
            request.session.flash("对照已保存。")
            return HTTPFound(location=request.route_url("institution.scope_map"))
        except FORM_ERRORS as failure:
            error = form_refused(request, failure)
    return {"scope_map": institution_desk.scope_map(session, account), "error": error}


# --- verification tools -----------------------------------------------------------------------------------


@view_config(route_name="institution.verify", renderer="institution_verify.jinja2", permission="institution")
def verify(request: Request):
    """Three tools on one page: a refusal names the field of the tool that was used, beside it, with what was typed."""
    session, params = request.dbsession, request.params
    result, error, tool, divisions = None, None, params.get("tool", ""), {}
    try:
        if tool == "qualification":
            result = verify_tools.physician_qualification(session, params.get("certificate_no"), params.get("name"))
        elif tool == "registration":
            result = verify_tools.registration(session, params.get("identifier"))
        elif tool == "institutions":
            result = verify_tools.institutions(session, {k: params.get(k, "") for k in ("name", "division", "uscc")})
            divisions = statistics.division_names(session, {item.get("division") for item in result["items"]} - {None})
    except FORM_ERRORS as failure:
        error = form_refused(request, failure, keep=True)
    return {"tool": tool, "result": result, "error": error, "form": dict(params), "division_names": divisions, **COMMON}


# --- batches -----------------------------------------------------------------------------------------------


BATCHES_A_PAGE = institution_desk.BATCHES_A_PAGE


@view_config(route_name="institution.batches", renderer="institution_batches.jinja2", permission="institution")
def batch_list(request: Request):
    session, account = request.dbsession, request.account
    error = None
    if request.method == "POST":
        upload = request.POST.get("file")
        content = upload.file.read(batches.MAX_BYTES + 1) if hasattr(upload, "file") else b""
        try:
            batch = batches.create_batch(session, account, content, getattr(upload, "filename", "") or "")
            return HTTPFound(location=request.route_url("institution.batch", id=batch.id))
        except FORM_ERRORS as failure:
            error = form_refused(request, failure)
    # Newest first, a page at a time: the list held the newest 100 and no more.
    number, following = page_number(request.params.get("page")), None
    rows: list[Batch] = []
    try:
        rows, following = institution_desk.batch_list(session, account, request.params.get("cursor", ""),
                                                      BATCHES_A_PAGE, number)
    except FORM_ERRORS as failure:
        error = form_refused(request, failure)
    return {"items": [batches.batch_json(b, with_rows=False) for b in rows], "error": error, "next": following,
            "number": number, "max_rows": batches.MAX_ROWS, "batch_kinds": batches.batch_kinds()}


@view_config(route_name="institution.batch", renderer="institution_batch.jinja2", permission="institution")
def batch(request: Request):
    return {"batch": batches.batch_json(batches.own_batch(request.dbsession, request.account, int(request.matchdict["id"])))}


@view_config(route_name="institution.notifications", renderer="institution_notifications.jinja2", permission="institution")
def notifications(request: Request):
    """The institution's inbox, newest first, a page at a time (it held only the newest 200, the rest unreachable)."""
    number = page_number(request.params.get("page"))
    try:
        items, following = inbox.inbox(request.dbsession, request.account, request.params.get("cursor", ""), page=number)
    except FORM_ERRORS as failure:
        return {"items": [], "next": None, "number": 1, "error": form_refused(request, failure)}
    return {"items": items, "next": following, "number": number}
