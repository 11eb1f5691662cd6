"""The institution's own nurse cancellation 护士注销注册: the institution applies for a nurse on its roll, naming
the nurse by register identifier; with no confirmation step the application goes straight to the commission."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from pipeline.kinds import KINDS
from portal.pages.common import FORM_ERRORS, form_error
from portal.services import applications
from portal.services.institution_desk import registered_staff

KIND = "nurse.cancellation"


def nurse_roll(request: Request) -> list[tuple[str, str]]:
    """(identifier, name) of the institution's registered nurses, the choices of the form."""
    staff = registered_staff(request.dbsession, request.account.institution_id, "nurse")
    return [(item["identifier"], item["name"]) for item in staff if item["status"] == "registered" and item["identifier"]]


@view_config(route_name="institution.nurse_cancellation", renderer="institution_nurse_cancellation.jinja2",
             permission="institution")
def nurse_cancellation(request: Request):
    page = {"label": KINDS[KIND].label, "roll": nurse_roll(request), "form": {}}
    if request.method != "POST":
        return page
    data = {"identifier": request.POST.get("identifier", "").strip(), "reason": request.POST.get("reason", "").strip()}
    try:
        application = applications.submit(request.dbsession, request.account, KIND, data)
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        if not data["identifier"]:
            # Optional in the schema (a nurse cancelling her own leaves it out), required when the institution applies.
            error.fields.setdefault("identifier", "必填：请选择本机构在册护士")
        request.response.status = error.status
        return {**page, "error": error, "form": data}
    request.session.flash(f"{KINDS[KIND].label}申请（#{application.id}）已提交，核验后由卫生健康委审批。")
    return HTTPFound(location=request.route_url("institution"))
