"""A per-client rate limit on the public end (the API under /api/v1/public/ and the /public pages).

A token bucket per client address, in this process: `public_burst` requests at once, refilled at
`public_rate_per_second` (`load_settings` defaults to 20/s and 200; a rate of 0 turns the limit off). Over the limit the
answer is 429 with `Retry-After` (whole seconds).

One process, one set of buckets: with several portal processes each keeps its own, so the effective
limit is multiplied by their number. A multi-process deployment should limit at the reverse proxy
(nginx `limit_req`) or keep the buckets in PostgreSQL; docs/operations.md says so. The client address
is REMOTE_ADDR: behind a proxy, let the WSGI server set it from the proxy's header (waitress
`trusted_proxy`), never trust X-Forwarded-For here, or anyone could pick their own bucket.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from portal.errors import error_response

LIMITED_PREFIXES = ("/api/v1/public/", "/public")
MAX_CLIENTS = 100_000  # least recently seen buckets are dropped beyond this (a full bucket is the default anyway)


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds until it could."""
        now = self.clock()
        with self.lock:
            bucket = self.buckets.pop(client, None) or Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self.buckets[client] = bucket
            if len(self.buckets) > MAX_CLIENTS:
                self.buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


def limited(path: str) -> bool:
    return path.startswith(LIMITED_PREFIXES[0]) or path == "/public" or path.startswith("/public/")


def too_many(request: Request, wait: float) -> Response:
    seconds = str(max(1, math.ceil(wait)))
    message = f"请求过于频繁，请 {seconds} 秒后再试"
    if request.path.startswith("/api/"):
        response = error_response(429, "rate_limited", message)
    else:
        from portal.pages.errors import error_page

        response = error_page(request, 429, message)
    response.headers["Retry-After"] = seconds
    return response


def rate_limit_tween_factory(handler, registry):
    settings = registry.settings["medreg"]
    if settings.public_rate_per_second <= 0:
        return handler  # no limit configured
    buckets = TokenBuckets(settings.public_rate_per_second, settings.public_burst)

    def rate_limit_tween(request: Request) -> Response:
        if limited(request.path):
            wait = buckets.take(request.environ.get("REMOTE_ADDR") or "unknown")
            if wait:
                return too_many(request, wait)
        return handler(request)

    return rate_limit_tween


def includeme(config: Configurator) -> None:
    # First of all tweens: a refused request opens no transaction and touches no database.
    config.add_tween("portal.ratelimit.rate_limit_tween_factory", under="portal.headers.headers_tween_factory")
