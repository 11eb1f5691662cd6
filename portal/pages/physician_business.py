"""Pages of the physician business: the person's forms (change, multi-site filing, re-registration, info change),
the institution's filings for its staff (departure filing, cancellation) and the commission's counter."""
from __future__ import annotations

import base64

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Person
from pipeline import codes
from pipeline.kinds import KINDS
from pipeline.nurse_schemas import EDUCATIONS
from pipeline.physician_schemas import CANCELLATION_REASONS, DEPARTURE_REASONS, HMT_REGIONS, PHYSICIAN_TITLES
from pipeline.schemas import ID_TYPES
from portal.pages.common import FORM_ERRORS, form_error
from portal.services import accounts, applications, physicians
from portal.services.counter import counter_submit

PERSON_KINDS = ("physician.change", "physician.multi_site_filing", "physician.re_registration", "physician.info_change")
STAFF_KINDS = {"departure_filing": ("physician.departure_filing", DEPARTURE_REASONS, "left_on", "离岗日期"),
               "cancellation": ("physician.cancellation", CANCELLATION_REASONS, "occurred_on", "发生日期")}
COUNTER_KINDS = ("physician.qualification_backfill", "physician.hmt_qualification_recognition",
                 "physician.hmt_short_term_practice", "physician.foreign_short_term_practice",
                 "nurse.pre2008_first_registration")
PRACTICE_KINDS = ("physician.change", "physician.re_registration")


def _choices(request: Request) -> dict:
    return {
        "institutions": accounts.operating_institutions(request.dbsession),
        "categories": codes.practice_categories(),
        "scopes_by_category": {category: codes.practice_scopes(category) for category in codes.practice_categories()},
        "educations": EDUCATIONS, "titles": PHYSICIAN_TITLES, "kinds": KINDS,
    }


def _photo(request: Request) -> str | None:
    upload = request.POST.get("photo")
    if upload is None or not hasattr(upload, "file"):
        return None
    raw = upload.file.read()
    return base64.b64encode(raw).decode("ascii") if raw else None


def person_form_data(request: Request, kind: str) -> dict:
    post = request.POST
    if kind == "physician.info_change":
        data = {key: post.get(key, "").strip() for key in ("education", "school", "title") if post.get(key, "").strip()}
        if photo := _photo(request):
            data["photo"] = photo
        return data
    data = {"institution_id": post.get("institution_id", "")}
    if kind in PRACTICE_KINDS:
        data.update(practice_category=post.get("practice_category", ""), practice_scope=post.getall("practice_scope"))
    if kind == "physician.re_registration":
        data["statement"] = post.get("statement", "")
    return data


@view_config(route_name="me.business", renderer="physician_business.jinja2", permission="person")
def business(request: Request):
    person = request.dbsession.get(Person, request.account.person_id)
    kind = request.params.get("kind", "")
    if person.profession != "physician":
        raise HTTPNotFound()
    if kind not in PERSON_KINDS:
        return {"kind": None, "kinds_offered": [(name, KINDS[name].label) for name in PERSON_KINDS], **_choices(request)}
    page = {"kind": kind, "label": KINDS[kind].label, **_choices(request)}
    if request.method != "POST":
        return page
    data = person_form_data(request, kind)
    try:
        application = applications.submit(request.dbsession, request.account, kind, data)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return {**page, "error": error, "form": {k: v for k, v in data.items() if k != "photo"}}
    request.session.flash(f"{KINDS[kind].label}申请已提交，系统正在核验，请留意办理进度。")
    return HTTPFound(location=request.route_url("me.application", id=application.id))


@view_config(route_name="institution.staff_business", renderer="staff_business.jinja2", permission="institution")
def staff_business(request: Request):
    kind_key = request.matchdict["kind"]
    kind, reasons, date_field, date_label = STAFF_KINDS[kind_key]
    page = {"kind": kind, "kind_key": kind_key, "label": KINDS[kind].label, "reasons": reasons, "date_field": date_field,
            "date_label": date_label, "roll": physicians.roll(request.dbsession, request.account.institution_id)}
    if request.method != "POST":
        return page
    post = request.POST
    data = {"identifier": post.get("identifier", ""), "reason": post.get("reason", ""), date_field: post.get(date_field, "")}
    if post.get("comment", "").strip():
        data["comment"] = post.get("comment", "")
    try:
        application = applications.submit(request.dbsession, request.account, kind, data)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return {**page, "error": error, "form": data}
    request.session.flash(f"{KINDS[kind].label}申请（#{application.id}）已提交，核验后由卫生健康委审批。")
    return HTTPFound(location=request.route_url("institution"))


COUNTER_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "mobile", "certificate_no", "level", "category",
                  "issued_on", "region", "nationality", "licence_no", "practice_category", "institution_id",
                  "start_date", "end_date", "passed_year", "department")


@view_config(route_name="commission.counter", renderer="counter.jinja2", permission="commission")
def counter(request: Request):
    kind = request.params.get("kind", "")
    page = {"kind": kind if kind in COUNTER_KINDS else None, "kinds_offered": [(n, KINDS[n].label) for n in COUNTER_KINDS],
            "id_types": ID_TYPES, "regions": list(HMT_REGIONS), "levels": codes.QUALIFICATION_LEVELS,
            "qualification_categories": codes.QUALIFICATION_CATEGORIES, **_choices(request)}
    if request.method != "POST" or page["kind"] is None:
        return page
    data = {key: request.POST.get(key, "").strip() for key in COUNTER_FIELDS if request.POST.get(key, "").strip()}
    if kind in ("physician.hmt_short_term_practice", "physician.foreign_short_term_practice"):
        data["practice_scope"] = request.POST.getall("practice_scope")
    try:
        application = counter_submit(request.dbsession, request.medreg, request.account, kind, data)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return {**page, "error": error, "form": data}
    request.session.flash(f"{KINDS[kind].label}已录入（#{application.id}），录入即批准，正在赋码并公示。")
    return HTTPFound(location=request.route_url("commission.item", id=application.id))
