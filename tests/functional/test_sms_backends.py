"""The SMS backends: the file backend of development and tests, an HTTP gateway, and a plugged-in scheme."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.messages import MESSAGES, message
from workers.sms import Sms, register_backend, send_sms


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
        template = message("returned")
        params = {"kind": "医师首次注册", "id": "7", "reason": "证书编号有误"}
        send_sms(url, "13900000002", template.sms(params), Sms(template.code, params))
        with pytest.raises(RuntimeError, match="500"):
            send_sms(url, "13900000002", "再次")
    finally:
        server.shutdown()
    # A carrier needs the registered template's code and its variables; the rendered text travels beside them.
    assert received[0] == ({"to": "13900000002", "text": "【电子化注册】您的医师首次注册申请（编号 7）已被退回：证书编号有误。请修改后重新提交。",
                            "template": "MEDREG_RETURNED", "params": params}, "Bearer gateway-token")


def test_another_gateway_plugs_in_by_scheme():
    sent = []
    register_backend("test-gateway", lambda backend, to, text, sms: sent.append((backend, to, text, sms.template)))
    send_sms("test-gateway:account-1", "13900000003", "短信")
    assert sent == [("test-gateway:account-1", "13900000003", "短信", "MEDREG_TEXT")]
    with pytest.raises(ValueError):
        send_sms("carrier-pigeon:x", "13900000003", "短信")


def test_every_template_has_its_own_code_and_refuses_a_missing_or_unknown_variable():
    assert len({m.code for m in MESSAGES.values()}) == len(MESSAGES)
    template = message("activation_code")
    assert template.sms({"code": "123456", "hours": 72}) == "【电子化注册】您的账号激活码为 123456，72小时内有效。"
    with pytest.raises(ValueError):
        template.render({"code": "123456"})
    with pytest.raises(ValueError):
        template.render({"code": "123456", "hours": 72, "name": "x"})
