"""The commission's counter 窗口业务: the counter-only kinds, and every other kind entered for someone who comes in
person — each form derived from its kind (pipeline/counter.py adds whom it is for)."""
from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.view import view_config

from pipeline.counter import counter_data
from pipeline.kinds import KINDS, Kind, kinds_where
from portal.pages.common import FORM_ERRORS, form_refused
from portal.pages.kind_forms import form_of, looking_up, read_form, shown
from portal.services.counter import counter_submit


def counter_kinds() -> list[Kind]:
    """The counter-only kinds first, then every kind a person or an institution could apply for on line."""
    return kinds_where(counter=True) + kinds_where(counter=False)


@view_config(route_name="commission.counter", renderer="counter.jinja2", permission="commission")
def counter(request: Request) -> object:
    kind = KINDS.get(request.params.get("kind", ""))
    kind = kind if kind in counter_kinds() else None
    if kind is None:
        return {"kind": None, "kinds_offered": counter_kinds(), "kf": None, "form": {}}
    model = counter_data(kind)

    def page(form: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"kind": kind, "kinds_offered": counter_kinds(), "kf": form_of(request, kind, model=model, values=form),
                "form": form, **extra}

    if request.method != "POST":
        return page({})
    data = read_form(request, kind, model=model)
    if looking_up(request):
        return page(shown(data))
    try:
        application = counter_submit(request.dbsession, request.medreg, request.account, kind.name, data)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return page(shown(data), error=error)
    request.session.flash(f"{kind.label}已录入（#{application.id}），录入即批准，正在赋码并公示。")
    return HTTPFound(location=request.route_url("commission.item", id=application.id))
