"""The public end: search the published registers and read one record. No login."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pyramid.request import Request
from pyramid.view import view_config

from pipeline.search import MAX_SEARCH
from portal.pages.common import FORM_ERRORS, form_refused
from portal.services import licences, public
from publisher import bulk

KIND_LABELS = {"physicians": "医师", "nurses": "护士", "institutions": "医疗机构"}
SEARCH_FIELDS = ("name", "division", "institution", "identifier", "uscc")


@view_config(route_name="public", renderer="public.jinja2", permission="public")
def search(request: Request):
    kind = request.params.get("kind", "physicians")
    if kind not in KIND_LABELS:
        kind = "physicians"
    form = {"kind": kind, **{name: request.params.get(name, "").strip() for name in SEARCH_FIELDS}}
    page: dict[str, Any] = {"form": form, "kinds": KIND_LABELS, "results": None, "next_url": None, "max_search": MAX_SEARCH}
    if "kind" not in request.params:
        return page
    query = {name: value for name, value in form.items() if value and name != "kind"}
    try:
        results = public.search(request.dbsession, kind, {**query, "cursor": request.params.get("cursor", "")})
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return {**page, "error": error}
    # An institution's record carries no status label (a person's does): the page names every status itself.
    page["results"] = [{**item, "status_label": public.status_label(item)} for item in results["items"]]
    if results["next"]:
        page["next_url"] = request.route_url("public", _query={"kind": kind, **query, "cursor": results["next"]})
    return page


ACTIVE_STATUSES = ("registered", "operating")


@view_config(route_name="public.record", renderer="public_record.jinja2", permission="public")
def record(request: Request):
    body = public.record(request.dbsession, request.matchdict["identifier"])
    return {
        "record": body,
        "kinds": KIND_LABELS,
        "status_label": public.status_label(body),
        "active": body.get("status") in ACTIVE_STATUSES,
        "history": public.history(request.dbsession, body["identifier"], facts=("valid_until",))["items"],
    }


@view_config(route_name="public.verify_licence", renderer="public_verify.jinja2", permission="public")
def verify_licence(request: Request):
    """Check a scanned licence: the QR code's text, pasted or put in the link by a scanner app."""
    payload = request.params.get("payload", "").strip()
    page = {"payload": payload, "result": None}
    if "payload" not in request.params:
        return page
    try:
        page["result"] = licences.verify(request.dbsession, request.medreg, payload)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        page["error"] = error
    return page


@view_config(route_name="public.bulk", renderer="public_bulk.jinja2", permission="public")
def bulk_files(request: Request):
    directory = Path(request.medreg.bulk_dir or "var/bulk")
    return {"files": bulk.listed_files(directory), "manifest": bulk.read_manifest(directory) or {}}
