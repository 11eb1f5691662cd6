"""Rule 5: no requests to where they do not belong — webhook addresses are checked when set and when used; channels,
the operator's configuration, go where the operator wrote; redirects are not followed, time-outs are short."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import select

from models import InstitutionWebhook, WebhookDelivery
from models.crypto import encrypt
from models.settings import Channel
from publisher import egress
from publisher.channels import push
from tests import factories
from tests.journeys import institution_desk

HOOK_SECRET = "a-webhook-secret-0123456789"


class Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_POST(self):
        Recorder.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/target")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.hits = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook",
    "http://10.1.2.3/hook", "http://192.168.0.1/", "http://[fe80::1]/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://[::1", "http://user:pw@example.com/", "ftp://example.com/",
    "http://example.com:99999/", "javascript:alert(1)",
])
def test_a_webhook_to_a_private_or_malformed_address_is_refused(app_with, db, url):
    portal = app_with(allowed_push_networks=())
    desk = institution_desk(portal, db, name=factories.unique_name("回调医院"))
    refused = portal.put_json("/api/v1/institution/webhook", {"url": url, "secret": HOOK_SECRET}, headers=desk.headers,
                              status=400).json["error"]
    assert set(refused["fields"]) == {"url"}
    assert db.get(InstitutionWebhook, desk.id) is None


def test_the_operator_may_allow_a_network(app_with, db, local_server):
    portal = app_with(allowed_push_networks=("127.0.0.0/8",))
    desk = institution_desk(portal, db, name=factories.unique_name("回调医院"))
    portal.put_json("/api/v1/institution/webhook", {"url": f"{local_server}/hook", "secret": HOOK_SECRET}, headers=desk.headers)


def test_a_stored_address_is_checked_again_when_used(db, settings, local_server):
    """An address that was allowed when set (or written behind the portal's back) is refused at delivery time."""
    from workers.alerts import deliver_webhook

    institution = factories.institution(db, name=factories.unique_name("改址医院"), division="110105")
    db.add(InstitutionWebhook(institution_id=institution.id, url=f"{local_server}/hook",
                              secret_encrypted=encrypt(settings.secret, HOOK_SECRET)))
    delivery = WebhookDelivery(institution_id=institution.id, event="approved", body={"event": "approved"})
    db.add(delivery)
    db.commit()
    strict = settings.__class__(**{**settings.__dict__, "allowed_push_networks": ()})
    assert deliver_webhook(strict, delivery.id) is False
    db.expire_all()
    stored = db.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery.id))
    assert "已拒绝" in stored.last_error and Recorder.hits == []


def test_redirects_are_not_followed(local_server):
    ok, outcome = egress.post(f"{local_server}/redirect", b"{}", {}, allowed=("127.0.0.1/32",))
    assert not ok and "302" in outcome and Recorder.hits == ["/redirect"]


def test_a_channel_the_operator_configured_is_pushed_to_on_a_local_address(local_server):
    """A channel is configuration no user can set (MEDREG_CHANNELS): a receiver on the same machine, as the contract's
    deployments run it, gets its pushes without MEDREG_ALLOWED_PUSH_NETWORKS; redirects are still not followed."""
    channel = Channel("local", f"{local_server}/channel", "", "channel-secret")
    assert push(channel, "D110105202600000011", 1, b"{}").ok
    moved = push(Channel("moved", f"{local_server}/redirect", "", "channel-secret"), "D110105202600000011", 1, b"{}")
    assert not moved.ok and "302" in moved.error
    assert Recorder.hits == ["/channel", "/redirect"]


def test_time_outs_are_short():
    assert egress.TIMEOUT_SECONDS <= 5
