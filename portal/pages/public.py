"""The public end: search the published registers and read one record. No login."""
from __future__ import annotations

from pyramid.request import Request
from pyramid.view import view_config

from portal.pages.common import FORM_ERRORS, form_error
from portal.services import public

KIND_LABELS = {"physicians": "医师", "nurses": "护士", "institutions": "医疗机构"}
SEARCH_FIELDS = ("name", "division", "institution")


@view_config(route_name="public", renderer="public.jinja2", permission="public")
def search(request: Request):
    kind = request.params.get("kind", "physicians")
    if kind not in KIND_LABELS:
        kind = "physicians"
    form = {"kind": kind, **{name: request.params.get(name, "").strip() for name in SEARCH_FIELDS}}
    page = {"form": form, "kinds": KIND_LABELS, "results": None, "next_url": None}
    if "kind" not in request.params:
        return page
    query = {name: value for name, value in form.items() if value and name != "kind"}
    try:
        results = public.search(request.dbsession, kind, {**query, "cursor": request.params.get("cursor", "")})
    except FORM_ERRORS as refusal:
        error = form_error(request, refusal)
        request.response.status = error.status
        return {**page, "error": error}
    page["results"] = results["items"]
    if results["next"]:
        page["next_url"] = request.route_url("public", _query={"kind": kind, **query, "cursor": results["next"]})
    return page


@view_config(route_name="public.record", renderer="public_record.jinja2", permission="public")
def record(request: Request):
    return {"record": public.record(request.dbsession, request.matchdict["identifier"]), "kinds": KIND_LABELS}
