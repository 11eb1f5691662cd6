"""The public end's hottest request, GET /api/v1/public/records/{identifier} (our JSON), answered as soon as the
rate limit let it through: the stored JSON in one autocommit round trip (portal/services/public.py record_text),
without the router, the request's transaction, the security policy or a renderer, which cost as much CPU as the
rest of the request together. Anything else — another format, another method, an error of the database — goes on
to the ordinary view of the same route (portal/api/public.py), which answers the same."""
from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from portal.errors import Refused, error_response
from portal.services import public

PREFIX = "/api/v1/public/records/"


def hot_path_tween_factory(handler, registry):
    reader = registry["public_reader"]

    def hot_path_tween(request: Request) -> Response:
        path = request.path_info
        if request.method != "GET" or not path.startswith(PREFIX):
            return handler(request)
        identifier = path[len(PREFIX):]
        try:
            wanted = request.GET.get("format", "json")
        except UnicodeError:  # a query that is not UTF-8: the view refuses it (400), as every view does
            return handler(request)
        if not identifier or "/" in identifier or wanted != "json":
            return handler(request)
        try:
            text = public.record_text(reader, identifier)
        except Refused as refusal:
            return error_response(refusal.status, refusal.code, refusal.message)
        except Exception:  # the ordinary path reports it, in its own transaction
            return handler(request)
        response = Response(body=text.encode("utf-8"), content_type="application/json")
        response.charset = "utf-8"
        return response

    return hot_path_tween


def includeme(config: Configurator) -> None:
    config.add_tween("portal.hot_path.hot_path_tween_factory", under="portal.ratelimit.rate_limit_tween_factory")
