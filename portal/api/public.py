"""The public end of the API: search, one record (our JSON or FHIR R4) and its history, the change feed,
the electronic licence and its check, and the bulk files. No login; rate-limited per client (portal/ratelimit.py)."""
from __future__ import annotations

from pathlib import Path

from pyramid.request import Request
from pyramid.response import FileResponse, Response

from portal.api.common import api_view
from portal.errors import invalid, not_found
from portal.headers import last_values
from portal.services import licences, public
from publisher import bulk, fhir


@api_view(route_name="api.public.search", request_method="GET", permission="public")
def search(request: Request):
    return public.search(request.dbsession, request.matchdict["kind"], last_values(request.params))


@api_view(route_name="api.public.record", request_method="GET", permission="public")
def record(request: Request):
    output = request.params.get("format", "json")
    if output == "json":  # the hot path of the public end: the stored JSON as it is
        text = public.record_text(request.registry["public_reader"], request.matchdict["identifier"])
        response = Response(body=text.encode("utf-8"), content_type="application/json")
        response.charset = "utf-8"
        return response
    body = public.record(request.dbsession, request.matchdict["identifier"])
    if output == "fhir":
        request.response.content_type = "application/fhir+json"
        return fhir.render(body)
    if output != "json":
        raise invalid({"format": "只能是 json 或 fhir"})
    return body


@api_view(route_name="api.public.history", request_method="GET", permission="public")
def history(request: Request):
    return public.history(request.dbsession, request.matchdict["identifier"])


@api_view(route_name="api.public.feed", request_method="GET", permission="public")
def feed(request: Request):
    return public.feed(request.dbsession, request.params.get("since"), request.params.get("limit"))


@api_view(route_name="api.public.licence", request_method="GET", permission="public")
def licence(request: Request):
    chosen = licences.file_format(request.params.get("format"))
    body, payload = licences.payload_for(request.dbsession, request.medreg, request.matchdict["identifier"])
    response = Response(body=licences.rendered(payload, chosen), content_type=licences.FORMATS[chosen])
    response.content_disposition = f'inline; filename="licence-{body["identifier"]}.{chosen}"'
    response.headers["X-Medreg-Licence-Payload"] = payload.encode("ascii").decode("latin-1")
    response.headers["Cache-Control"] = "public, max-age=600"  # the same payload all day; a proxy may serve it too
    return response


@api_view(route_name="api.public.verify_licence", request_method="GET", permission="public")
def verify_licence(request: Request):
    return licences.verify(request.dbsession, request.medreg, request.params.get("payload"))


@api_view(route_name="api.public.licence_keys", request_method="GET", permission="public")
def licence_keys(request: Request):
    answer = licences.public_keys(request.dbsession, request.medreg)
    request.response.headers["Cache-Control"] = "public, max-age=300"  # changes only when the keyring is rotated
    return answer


def public_address(request: Request, route: str, **parts: str) -> str:
    """An address an answer gives: under MEDREG_PUBLIC_URL when it is set, else the path alone — never built from the
    request's Host header, which a client chooses (a forged one would put another site's address in the answer)."""
    path = request.route_path(route, **parts)
    return request.medreg.public_url + path if request.medreg.public_url else path


def bulk_dir(request: Request) -> Path:
    return Path(request.medreg.bulk_dir or "var/bulk")


@api_view(route_name="api.public.bulk", request_method="GET", permission="public")
def bulk_listing(request: Request):
    files = bulk.listed_files(bulk_dir(request))
    for item in files:
        item["url"] = public_address(request, "api.public.bulk_file", name=item["name"])
    manifest = bulk.read_manifest(bulk_dir(request)) or {}
    return {"cursor": manifest.get("cursor"), "generated_at": manifest.get("generated_at"), "files": files}


@api_view(route_name="api.public.bulk_file", request_method="GET", permission="public")
def bulk_file(request: Request):
    # Only a name the newest manifest lists is served: nothing else in the directory, no path tricks.
    name = request.matchdict["name"]
    if name not in {item["name"] for item in bulk.listed_files(bulk_dir(request))}:
        raise not_found("文件")
    content_type = "text/csv; charset=utf-8" if name.endswith(".csv") else "application/x-ndjson; charset=utf-8"
    response = FileResponse(str(bulk_dir(request) / name), request=request, content_type=content_type)
    response.content_disposition = f'attachment; filename="{name}"'
    return response
