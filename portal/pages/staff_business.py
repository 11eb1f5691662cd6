"""An institution's business about one of its staff: a physician's departure filing or cancellation, a nurse's
cancellation — each form derived from its kind."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.request import Request
from pyramid.view import view_config

from pipeline.kinds import INSTITUTION, Kind, kinds_where, nurse_cancellation
from portal.pages.common import FORM_ERRORS, form_error
from portal.pages.kind_forms import confirmed, form_of, read_form, shown
from portal.services import applications


def staff_kinds() -> dict[str, Kind]:
    """A physician's business only the institution files, by the short name its page address uses."""
    return {kind.short_name: kind for kind in kinds_where(profession="physician", submitted_by=INSTITUTION)}


def staff_page(request: Request, kind: Kind, template_form: str, action: str, **extra: object) -> dict:
    return {"kind": kind, "kf": form_of(request, kind), "form_id": template_form, "action": action, "form": {}, **extra}


def institution_files(request: Request, kind: Kind, form_id: str, action: str) -> object:
    page = staff_page(request, kind, form_id, action)
    if request.method != "POST":
        return page
    data = read_form(request, kind)
    try:
        confirmed(request, kind, data)
        application = applications.submit(request.dbsession, request.account, kind.name, data)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        if "identifier" not in data:
            # The schema lets a person leave out whom it is about; an institution must name its staff member.
            error.fields.setdefault("identifier", "必填：请选择本机构在册人员")
        request.response.status = error.status
        return {**page, "error": error, "form": shown(data)}
    request.session.flash(f"{kind.label}申请（#{application.id}）已提交，核验后由卫生健康委审批。")
    return HTTPFound(location=request.route_url("institution"))


@view_config(route_name="institution.staff_business", renderer="staff_business.jinja2", permission="institution")
def staff_business(request: Request) -> object:
    kind = staff_kinds().get(request.matchdict["kind"])
    if kind is None:
        raise HTTPNotFound()
    action = request.route_url("institution.staff_business", kind=kind.short_name)
    return institution_files(request, kind, "staff-business-form", action)


@view_config(route_name="institution.nurse_cancellation", renderer="staff_business.jinja2", permission="institution")
def nurse_cancellation_page(request: Request) -> object:
    kind = nurse_cancellation.KIND
    return institution_files(request, kind, "nurse-cancellation-form", request.route_url("institution.nurse_cancellation"))
