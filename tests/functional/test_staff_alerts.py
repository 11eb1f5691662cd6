"""Staff status alerts: the institution's inbox, and a signed webhook received by a real HTTP server."""
from __future__ import annotations

import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from models import WebhookDelivery
from models.base import utcnow
from models.crypto import sign_push
from tests.journeys import (
    active_physician,
    commission_desk,
    institution_desk,
    submit_first_registration,
    wait_for,
    wait_routed,
    wait_status,
)
from workers.alerts import retry_due_webhooks_once

HOOK_SECRET = "webhook-secret-0123456789"


class Hook:
    """A real HTTP endpoint that records each POST; `fail_next` answers 503 that many times first."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_next = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = 200
                if hook.fail_next:
                    hook.fail_next -= 1
                    status = 503
                else:
                    hook.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/medreg-alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def hook():
    running = Hook()
    yield running
    running.server.shutdown()


def test_an_approved_registration_alerts_the_inbox_and_a_signed_webhook_with_retries(api, db, settings, workers, hook):
    desk = institution_desk(api, db)
    _, commission = commission_desk(api, db)
    bad = api.put_json("/api/v1/institution/webhook", {"url": "ftp://x", "secret": "short"}, headers=desk.headers, status=400)
    assert set(bad.json["error"]["fields"]) == {"url", "secret"}
    api.put_json("/api/v1/institution/webhook", {"url": hook.url, "secret": HOOK_SECRET}, headers=desk.headers)
    assert api.get("/api/v1/institution/profile", headers=desk.headers).json["webhook"]["url"] == hook.url
    hook.fail_next = 1  # the first attempt meets a site that is down

    physician = active_physician(api, db, settings, desk)
    created = submit_first_registration(api, physician, desk.id)
    wait_status(api, physician["headers"], created["id"], "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{created['id']}", {"decision": "confirm"}, headers=desk.headers)
    wait_routed(api, commission, created["id"])
    api.post_json(f"/api/v1/commission/queue/{created['id']}", {"decision": "approve"}, headers=commission)
    identifier = wait_status(api, physician["headers"], created["id"], "published")["identifier"]

    inbox = api.get("/api/v1/me/notifications", headers=desk.headers).json["items"]
    alert = next(n for n in inbox if n["event"] == "staff.approved")
    assert physician["name"] in alert["text"] and identifier in alert["text"]

    # The failed attempt is recorded with a back-off; the retry (beat's job) delivers it.
    def failed_once():
        db.expire_all()
        return db.scalar(select(WebhookDelivery).where(WebhookDelivery.institution_id == desk.id, WebhookDelivery.attempts >= 1))

    delivery = wait_for(failed_once)
    assert delivery.status == "retrying" and "503" in delivery.last_error
    db.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery.id).values(next_attempt_at=utcnow()))
    db.commit()
    assert retry_due_webhooks_once(settings) >= 1
    wait_for(lambda: hook.received)
    received = next(r for r in hook.received if json.loads(r["body"])["identifier"] == identifier)
    headers = {k.lower(): v for k, v in received["headers"].items()}
    expected = sign_push(HOOK_SECRET, headers["x-medreg-timestamp"], received["body"])
    assert hmac.compare_digest(headers["x-medreg-signature"], expected)
    assert headers["x-medreg-event"] == "approved"
    body = json.loads(received["body"])
    assert body == {**body, "event": "approved", "profession": "physician", "name": physician["name"], "status": "registered",
                    "institution_id": desk.id}
    assert physician["id_number"] not in received["body"].decode() and physician["mobile"] not in received["body"].decode()
    db.expire_all()
    assert db.get(WebhookDelivery, delivery.id).status == "delivered"

    # Another institution hears nothing of it.
    other = institution_desk(api, db)
    assert not [n for n in api.get("/api/v1/me/notifications", headers=other.headers).json["items"] if n["event"].startswith("staff.")]
    api.delete("/api/v1/institution/webhook", headers=desk.headers)
    api.delete("/api/v1/institution/webhook", headers=desk.headers, status=404)
