"""The SMS backends: the file backend of development and tests, an HTTP gateway, and a plugged-in scheme."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workers.sms import register_backend, send_sms


def test_the_file_backend_writes_one_json_line_per_message(tmp_path):
    send_sms(f"file:{tmp_path}/sms.jsonl", "13900000001", "【电子化注册】测试")
    line = json.loads((tmp_path / "sms.jsonl").read_text(encoding="utf-8"))
    assert line["to"] == "13900000001" and line["text"] == "【电子化注册】测试" and line["at"]


def test_an_http_gateway_gets_the_message_as_json_and_a_refusal_raises(monkeypatch):
    received, answers = [], [200, 500]

    class Gateway(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            received.append((json.loads(self.rfile.read(int(self.headers["Content-Length"]))), self.headers.get("Authorization")))
            self.send_response(answers.pop(0))
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MEDREG_SMS_TOKEN", "gateway-token")
    url = f"http://127.0.0.1:{server.server_address[1]}/send"
    try:
        send_sms(url, "13900000002", "您好")
        with pytest.raises(RuntimeError, match="500"):
            send_sms(url, "13900000002", "再次")
    finally:
        server.shutdown()
    assert received[0] == ({"to": "13900000002", "text": "您好"}, "Bearer gateway-token")


def test_another_gateway_plugs_in_by_scheme():
    sent = []
    register_backend("test-gateway", lambda backend, to, text: sent.append((backend, to, text)))
    send_sms("test-gateway:account-1", "13900000003", "短信")
    assert sent == [("test-gateway:account-1", "13900000003", "短信")]
    with pytest.raises(ValueError):
        send_sms("carrier-pigeon:x", "13900000003", "短信")
