"""Operations (docs/operations.md): /healthz, /readyz, /metrics, and an X-Request-Id on every answer."""
from __future__ import annotations

import re
import uuid

import pytest
from webtest import TestApp

from models import OutboxMessage


def test_healthz_answers_ok_without_a_login(api):
    answer = api.get("/healthz")
    assert answer.status_int == 200 and answer.json == {"status": "ok"}
    assert answer.content_type == "application/json"


def test_readyz_is_ready_when_the_database_schema_and_broker_answer(api):
    answer = api.get("/readyz")
    assert answer.json == {"status": "ready", "checks": {"database": "ok", "schema": "ok", "broker": "ok"}}


def test_readyz_is_503_naming_the_broker_when_it_cannot_be_reached(app_with):
    answer = app_with(broker_url="amqp://guest:guest@127.0.0.1:1//").get("/readyz", status=503)
    assert answer.json["status"] == "not_ready"
    assert answer.json["checks"] == {"database": "ok", "schema": "ok", "broker": "failed"}
    assert "消息队列" in answer.json["reasons"]["broker"] and "guest:guest" not in answer.json["reasons"]["broker"]


def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(app_with):
    answer = app_with(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none").get("/readyz", status=503)
    assert answer.json["checks"]["database"] == "failed" and "数据库" in answer.json["reasons"]["database"]


def test_probes_are_not_rate_limited(app_with):
    portal = app_with(public_rate_per_second=0.001, public_burst=1)
    for _ in range(5):
        portal.get("/healthz")


def test_metrics_count_requests_by_route_name_and_read_the_outbox(api, db):
    db.add(OutboxMessage(task="workers.maintenance.sweep", payload={}, sent_at=None))
    db.commit()
    api.get("/api/v1/openapi.json")
    api.get("/api/v1/applications/12345", status="*")
    text = api.get("/metrics").text
    assert re.search(r'^medreg_http_requests_total\{method="GET",route="[a-z_.]+",status="200"\} [0-9.]+$', text, re.M)
    assert "medreg_http_request_duration_seconds_bucket{" in text
    assert re.search(r"^medreg_outbox_waiting [0-9.]+$", text, re.M)
    assert re.search(r'^medreg_applications_waiting\{status="pending_approval"\} [0-9.]+$', text, re.M)
    assert re.search(r'^medreg_deliveries\{status="parked"\} [0-9.]+$', text, re.M)
    assert "medreg_database_up 1.0" in text
    labels = re.findall(r"\{([^}]*)\}", text)  # route names, never paths or ids (values may hold any digits)
    assert labels and not [label for label in labels if "/api/v1/applications" in label or "12345" in label]


def test_metrics_may_require_a_bearer_token(app_with, monkeypatch):
    monkeypatch.setenv("MEDREG_METRICS_TOKEN", "s3cret-token")
    portal = app_with()
    portal.get("/metrics", status=401)
    portal.get("/metrics", headers={"Authorization": "Bearer wrong"}, status=401)
    assert "medreg_http_requests_total" in portal.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).text


def test_the_request_id_given_is_echoed(api):
    assert api.get("/healthz", headers={"X-Request-Id": "abc-123.XYZ_9"}).headers["X-Request-Id"] == "abc-123.XYZ_9"
    assert api.get("/api/v1/openapi.json", headers={"X-Request-Id": "from-the-proxy"}).headers["X-Request-Id"] == "from-the-proxy"


def test_a_request_id_is_made_when_none_or_an_unusable_one_is_given(api):
    made = api.get("/login").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert api.get("/login").headers["X-Request-Id"] != made
    for bad in ("has space", "x" * 129, "<script>", "a/b"):
        assert re.fullmatch(r"[0-9a-f]{32}", api.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"])


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/no-such-page", 404),
    ("GET", "/api/v1/no-such-thing", 404),
    ("GET", "/api/v1/applications/99999999999", 404),  # refused by a tween, before the router
    ("GET", "/api/v1/public/physicians?name=%00", 400),  # refused by a tween
    ("POST", "/api/v1/login", 400),  # refused by the view
    ("GET", "/static/no-such-file.css", 404),
    ("GET", "/healthz", 200),
])
def test_every_answer_carries_the_request_id(api, method, path, status):
    headers = {"X-Request-Id": "rid-" + str(status)}
    if method == "POST":
        answer = api.post_json(path, {"username": ""}, headers=headers, status=status)
    else:
        answer = api.get(path, headers=headers, status=status)
    assert answer.headers["X-Request-Id"] == "rid-" + str(status)


def test_refusals_of_the_outer_tweens_carry_the_request_id(app_with, api):
    portal = app_with(public_rate_per_second=0.001, public_burst=1)
    portal.get("/api/v1/public/physicians?name=x", status="*")
    limited = portal.get("/api/v1/public/physicians?name=x", headers={"X-Request-Id": "limited"}, status=429)
    assert limited.headers["X-Request-Id"] == "limited"
    from portal.headers import MAX_JSON_BYTES

    big = b"{" + b" " * (MAX_JSON_BYTES + 1) + b"}"
    answer = api.post("/api/v1/login", big, content_type="application/json", headers={"X-Request-Id": "big"}, status=413)
    assert answer.headers["X-Request-Id"] == "big"


def test_an_error_escaping_the_tweens_is_a_500_with_the_request_id(settings, monkeypatch):
    from portal import hot_path, make_config

    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(hot_path, "hot_path_tween_factory", lambda handler, registry: broken)
    portal = TestApp(make_config({}, settings).make_wsgi_app())
    answer = portal.get("/api/v1/openapi.json", headers={"X-Request-Id": "broken"}, status=500)
    assert answer.headers["X-Request-Id"] == "broken" and answer.json["error"]["code"] == "server_error"


def test_the_portal_answers_at_once_after_the_database_dropped_its_connections(app_with, settings, db):
    """A restarted PostgreSQL (or a proxy's idle timeout) leaves the pool holding dead connections: the next request
    must get a live one, not a 500 (models/db.py checks a connection as it is taken)."""
    from sqlalchemy import text

    name = "medreg_dropped_" + uuid.uuid4().hex[:8]
    separator = "&" if "?" in settings.database_url else "?"
    portal = app_with(database_url=f"{settings.database_url}{separator}application_name={name}")
    for _ in range(3):
        portal.get("/api/v1/public/institutions", {"name": "医院"}, status=200)
    dropped = db.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
                         {"name": name}).scalar()
    assert dropped >= 1
    for _ in range(3):
        assert "items" in portal.get("/api/v1/public/institutions", {"name": "医院"}, status=200).json
