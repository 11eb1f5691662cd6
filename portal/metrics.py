"""GET /metrics: Prometheus text format (docs/operations.md lists every metric).

- `medreg_http_requests_total{method, route, status}` and `medreg_http_request_duration_seconds{method, route}`, recorded
  by the outermost tween (portal/observe.py). `route` is the route's name (`api.application`), never the path, so
  no identifier or personal datum becomes a label; a request no route matched is `unmatched`.
- Read from PostgreSQL at each scrape (models/operations.py): `medreg_outbox_waiting`, `medreg_outbox_oldest_age_seconds`,
  `medreg_applications_waiting{status}`, `medreg_deliveries{status}` (pending, retrying, parked = paused until
  `medreg publish replay`), `medreg_webhook_deliveries{status}`, `medreg_summary_refreshed_timestamp_seconds{summary}`
  and `medreg_database_up`.

`medreg serve` runs several processes on one port: it gives them a shared PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode), so whichever process answers a scrape reports the counts of all of them. Set that variable
yourself to choose the directory (it must be empty when the portal starts). A single process (pserve, `--processes 1`)
keeps its counts in memory.

Unauthenticated unless MEDREG_METRICS_TOKEN is set (then `Authorization: Bearer <token>` is required); the proxy in
front must not expose /metrics to the internet either way.
"""
from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.engine import Engine

from models.operations import snapshot
from portal.health import first_line

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("medreg_http_requests", "HTTP requests answered by the portal", ("method", "route", "status"))
LATENCY = Histogram("medreg_http_request_duration_seconds", "Time the portal took to answer, in seconds", ("method", "route"),
                    buckets=BUCKETS)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class DatabaseCollector(Collector):
    """Gauges read from the database when Prometheus scrapes; a database that does not answer gives database_up 0."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("medreg_database_up", "1 if the database answered this scrape's queries")
        try:
            with self.engine.connect() as connection:
                found = snapshot(connection)
        except Exception as error:
            log.warning("metrics: the database did not answer: %s", first_line(error))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("medreg_outbox_waiting", "Outbox rows not yet published by the relay", value=found.outbox_waiting)
        yield GaugeMetricFamily("medreg_outbox_oldest_age_seconds", "Age of the oldest outbox row waiting (0 when none)",
                                value=found.outbox_oldest_seconds())
        applications = GaugeMetricFamily("medreg_applications_waiting", "Applications waiting, by status", labels=["status"])
        for status, count in sorted(found.applications.items()):
            applications.add_metric([status], count)
        yield applications
        for name, counts, what in (("medreg_deliveries", found.deliveries, "Disclosure deliveries"),
                                   ("medreg_webhook_deliveries", found.webhook_deliveries, "Staff alert webhook deliveries")):
            family = GaugeMetricFamily(name, f"{what} not yet delivered, by status (parked: paused until replayed)",
                                       labels=["status"])
            for status, count in sorted(counts.items()):
                family.add_metric([status], count)
            yield family
        refreshed = GaugeMetricFamily("medreg_summary_refreshed_timestamp_seconds",
                                      "When beat last refreshed each statistics summary (Unix time)", labels=["summary"])
        for name, at in sorted(found.summaries.items()):
            refreshed.add_metric([name], at.timestamp())
        yield refreshed


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def exposition(engine: Engine) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(DatabaseCollector(engine))
    return generate_latest(registry)


def authorised(request: Request, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return not token or hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_response(request: Request, engine: Engine, token: str) -> Response:
    if not authorised(request, token):
        response = Response(body=b'{"error": "unauthorized"}', status=401, content_type="application/json")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = Response(body=exposition(engine))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
