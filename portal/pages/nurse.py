"""Pages of the nurse business (every nurse kind, one form that shows the fields of the chosen kind), password
reset by SMS code, and the institution's view of its physicians' assessment results."""
from __future__ import annotations

import base64

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Person
from pipeline.kinds import KINDS
from pipeline.nurse_schemas import EDUCATIONS, NURSE_TITLES
from portal.pages.common import FORM_ERRORS, form_error
from portal.services import accounts, applications, password_reset
from portal.services.practice_records import institution_assessments, nurse_registration_json

NURSE_KINDS = ("nurse.first_registration", "nurse.change", "nurse.renewal", "nurse.re_registration",
               "nurse.cancellation", "nurse.info_change")
# The form fields each kind takes (the schema refuses any other).
KIND_FIELDS = {
    "nurse.first_registration": ("certificate_no", "institution_id", "department"),
    "nurse.change": ("institution_id", "department"),
    "nurse.re_registration": ("institution_id", "department"),
    "nurse.renewal": (),
    "nurse.cancellation": ("reason",),
    "nurse.info_change": ("photo", "education", "school", "title", "department"),
}


def nurse_form_data(request: Request, kind: str) -> dict:
    data: dict = {}
    for name in KIND_FIELDS.get(kind, ()):
        if name == "photo":
            upload = request.POST.get("photo")
            if getattr(upload, "file", None) is not None:
                data["photo"] = base64.b64encode(upload.file.read()).decode("ascii")
            continue
        value = request.POST.get(name, "")
        if isinstance(value, str) and value.strip():
            data[name] = value.strip()
        elif kind != "nurse.info_change":
            data[name] = value if isinstance(value, str) else ""
    return data


def nurse_page(request: Request, **extra) -> dict:
    kind = request.params.get("kind") or extra.pop("kind", None) or "nurse.first_registration"
    if kind not in NURSE_KINDS:
        kind = "nurse.first_registration"
    return {
        "kinds": [(name, KINDS[name].label) for name in NURSE_KINDS],
        "kind": kind,
        "fields": KIND_FIELDS[kind],
        "institutions": accounts.operating_institutions(request.dbsession),
        "educations": [(value, value) for value in EDUCATIONS],
        "titles": [(value, value) for value in NURSE_TITLES],
        "entry": nurse_registration_json(request.dbsession, request.account.person_id),
        **extra,
    }


@view_config(route_name="me.nurse", renderer="nurse_business.jinja2", permission="person")
def nurse_business(request: Request):
    person = request.dbsession.get(Person, request.account.person_id)
    if person.profession != "nurse":
        return HTTPFound(location=request.route_url("me"))
    if request.method != "POST":
        return nurse_page(request, form={"institution_id": str(request.account.institution_id or "")})
    kind = request.POST.get("kind", "")
    data = nurse_form_data(request, kind)
    try:
        application = applications.submit(request.dbsession, request.account, kind, data)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return nurse_page(request, kind=kind, error=error, form={k: v for k, v in data.items() if k != "photo"})
    request.session.flash("申请已提交，系统正在核验，请留意办理进度。")
    return HTTPFound(location=request.route_url("me.application", id=application.id))


@view_config(route_name="password_reset_page", renderer="password_reset.jinja2", permission="public")
def password_reset_page(request: Request):
    if request.method != "POST":
        return {"step": "request"}
    username = request.POST.get("username", "")
    if request.POST.get("step") == "confirm":
        try:
            password_reset.confirm_reset(request.dbsession, request.medreg, username, request.POST.get("code", ""),
                                         request.POST.get("password", ""))
        except FORM_ERRORS as refusal:
            error = form_error(request, refusal, keep=True)  # a wrong code still counts
            request.response.status = error.status
            return {"step": "confirm", "error": error, "form": {"username": username}}
        request.session.flash("密码已重置，请用新密码登录。")
        return HTTPFound(location=request.route_url("login_page"))
    try:
        password_reset.request_reset(request.dbsession, request.medreg, username)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return {"step": "request", "error": error}
    return {"step": "confirm", "sent": password_reset.SENT_MESSAGE, "form": {"username": username}}


@view_config(route_name="institution.assessments", renderer="institution_assessments.jinja2", permission="institution")
def assessments_page(request: Request):
    period = request.params.get("period", "")
    try:
        items = institution_assessments(request.dbsession, request.account, period)
    except FORM_ERRORS as refusal:
        return {"items": [], "period": period, "error": form_error(request, refusal)}
    return {"items": items, "period": period, "error": None}


