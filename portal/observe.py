"""The outermost tween: a request id on every answer, an access log line and the request metrics, and the operations
endpoints, answered here before anything else runs (no router, session, transaction, CSRF check or rate limit):

- GET /healthz — liveness: the process answers. 200 {"status": "ok"}; touches nothing.
- GET /readyz — readiness: the database answers SELECT 1, its schema is at the newest migration, the broker accepts
  a connection (checked at most every few seconds). 200 {"status": "ready", "checks": {…: "ok"}}, or 503
  {"status": "not_ready", "checks": {…: "ok" | "failed"}, "reasons": {check: 中文原因}}.
- GET /metrics — Prometheus text (portal/metrics.py).

`X-Request-Id`: the request's own when it is 1–128 characters of [A-Za-z0-9._-] (a proxy's id is kept), else a new
uuid4 hex. It is bound to the log context (models/logs.py) for the length of the request, so every line logged
meanwhile carries `request_id`, and set on every answer: pages, API, static files, errors and refusals of the tweens
below (413, 429, …). An exception escaping the tweens below is logged and answered 500 here, with the id.

A path that is not UTF-8 (`/%ff`) is answered 400 here too: webob raises on every look at such a path (the router,
the security policy, the error views), so nothing below could answer it.
"""
from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPException
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS

from models.db import database_unavailable
from models.logs import bind, unbind
from portal import metrics
from portal.errors import (
    BAD_ENCODING,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    client_error_response,
    error_response,
    log_unavailable,
    logged_route,
    unavailable_response,
)
from portal.headers import CSP
from portal.health import CachedBrokerCheck, check_database
from portal.hot_path import PREFIX as HOT_PATH_PREFIX
from portal.renderers import CHARSET, CONTENT_TYPE, dumps

access_log = logging.getLogger("medreg.access")
log = logging.getLogger(__name__)

HEADER = "X-Request-Id"
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
PROBES = ("/healthz", "/readyz", "/metrics")


def request_id_of(given: str | None) -> str:
    if given and _GOOD_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def route_of(request: Request) -> str:
    """The route's name as the metric label and in the access log: never the path (it may hold identifiers)."""
    route = getattr(request, "matched_route", None)
    if route is not None:
        return "static" if route.name.startswith("__") else route.name
    if request.path_info.startswith(HOT_PATH_PREFIX):
        return "api.public.record"  # answered by the hot path, before the router
    return "unmatched"


def json_response(status: int, body: dict) -> Response:
    response = Response(body=dumps(body).encode(CHARSET), status=status, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def path_of(request: Request) -> str | None:
    """The path as text, or None if its bytes are not UTF-8 (webob decodes it on every look, and raises then)."""
    try:
        return request.path_info
    except UnicodeError:
        return None


def bad_path(request: Request) -> Response:
    """400 to a path that is not UTF-8: the contract's error for the API, the styled error page otherwise. Its bytes
    that are not UTF-8 are replaced (U+FFFD) first, so that the error page, which looks at the path (the security
    policy does), can be drawn; the request goes no further."""
    raw = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    request.environ["PATH_INFO"] = raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
    if request.path.startswith("/api/"):
        response = client_error_response(400, BAD_ENCODING)
    else:
        from portal.pages.errors import error_page

        response = error_page(request, 400, BAD_ENCODING)
    response.headers["Cache-Control"] = "no-store"
    return guarded(response)


def guarded(response: Response) -> Response:
    """The security headers of portal/headers.py, on an answer made here, above that tween."""
    for name, value in (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                        ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")):
        response.headers.setdefault(name, value)
    return response


def server_error(request: Request) -> Response:
    message = "服务器内部错误，请稍后再试"
    if request.path.startswith("/api/"):
        return error_response(500, "server_error", message)
    response = Response(f"<!doctype html><meta charset=utf-8><title>500</title><p>{message}</p>", status=500,
                        content_type="text/html", charset="utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def unavailable(request: Request) -> Response:
    if request.path.startswith("/api/"):
        return unavailable_response()
    response = Response(f"<!doctype html><meta charset=utf-8><title>503</title><p>{UNAVAILABLE}</p>", status=503,
                        content_type="text/html", charset="utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class Probes:
    """The operations endpoints of one app."""

    def __init__(self, registry) -> None:
        settings = registry.settings["medreg"]
        self.engine = registry["public_reader"]
        self.broker = CachedBrokerCheck(settings.broker_url)
        self.token = os.environ.get("MEDREG_METRICS_TOKEN", "")
        self.routes: dict[str, Callable[[Request], Response]] = {
            "/healthz": self.healthz, "/readyz": self.readyz, "/metrics": self.metrics}

    def healthz(self, request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    def readyz(self, request: Request) -> Response:
        database = check_database(self.engine)
        reasons = {"database": database.database, "schema": database.schema, "broker": self.broker()}
        failed = {name: reason for name, reason in reasons.items() if reason}
        checks = {name: "failed" if reason else "ok" for name, reason in reasons.items()}
        if failed:
            log.warning("not ready: %s", ", ".join(failed), extra={"checks": checks})
            return json_response(503, {"status": "not_ready", "checks": checks, "reasons": failed})
        return json_response(200, {"status": "ready", "checks": checks})

    def metrics(self, request: Request) -> Response:
        return metrics.metrics_response(request, self.engine, self.token)

    def answer(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            response = json_response(405, {"error": {"code": "method_not_allowed", "message": "只支持 GET",
                                                     "fields": {}, "codes": {}}})
            response.headers["Allow"] = "GET, HEAD"
        else:
            response = self.routes[request.path_info](request)
        return guarded(response)


def observe_tween_factory(handler, registry):
    probes = Probes(registry)

    def observe_tween(request: Request) -> Response:
        request_id = request_id_of(request.headers.get(HEADER))
        request.environ["medreg.request_id"] = request_id
        tokens = bind(request_id=request_id)
        started = time.perf_counter()
        path = path_of(request)
        probe = path in probes.routes
        try:
            try:
                if path is None:
                    response = bad_path(request)
                else:
                    response = probes.answer(request) if probe else handler(request)
            except HTTPException as exception:  # raised by a tween above the exception views
                response = exception
            except Exception as error:
                if database_unavailable(error):  # e.g. the connection cut as the request's transaction commits
                    log_unavailable(error, request)
                    response = unavailable(request)
                else:
                    log.exception("unhandled error outside the views on %s", logged_route(request))
                    response = server_error(request)
            response.headers[HEADER] = request_id
            seconds = time.perf_counter() - started
            route = "unmatched" if path is None else path[1:] if probe else route_of(request)
            metrics.observe(request.method, route, response.status_code, seconds)
            access_log.log(logging.DEBUG if probe else logging.INFO, "request", extra={
                "method": request.method, "route": route, "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1)})
            return response
        finally:
            unbind(tokens)

    return observe_tween


def includeme(config: Configurator) -> None:
    # Outermost: the security headers, the body limit and the rate limit all run inside it, so their refusals and
    # their failures carry the request id too.
    config.add_tween("portal.observe.observe_tween_factory", under=INGRESS, over="portal.headers.headers_tween_factory")
