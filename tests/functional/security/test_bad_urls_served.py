"""The audit's requests over HTTP against `medreg serve` (waitress), where they were found: waitress decodes the path
and buffers the body itself, so what WebTest shows (test_bad_urls.py) is not the whole story. Every answer is the
portal's own — the contract's JSON under /api/, a Chinese page elsewhere — but for a body past waitress's hard bound."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from portal.cli.servers import server_body_limit
from portal.errors import BAD_ENCODING
from portal.headers import MAX_BODY_BYTES

ID_NUMBER = "110102198201071332"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def served(settings, tmp_path_factory):
    """`medreg serve` on a free port of 127.0.0.1, one process; its standard error (the log) in a file."""
    script = Path(sys.executable).with_name("medreg")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "portal.cli"]
    log = tmp_path_factory.mktemp("served") / "stderr.jsonl"
    environment = {**os.environ, "MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": settings.broker_url,
                   "MEDREG_SECRET": settings.secret, "MEDREG_LICENCE_KEYS": settings.licence_keys, "MEDREG_CHANNELS": "",
                   "MEDREG_LOG_LEVEL": "INFO"}
    with log.open("w") as stderr:
        server = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", "0", "--processes", "1",
                                   "--threads", "2"], env=environment, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, log.read_text())
        yield int(match.group(1)), log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def ask(port: int, method: str, path: str, body=None, headers: dict | None = None, **options) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {}, **options)
        answer = connection.getresponse()
        return answer.status, {name.lower(): value for name, value in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def contract_error(answer: tuple[int, dict, bytes]) -> dict:
    status, headers, body = answer
    assert headers["content-type"].startswith("application/json"), (status, body[:200])
    assert headers["x-request-id"]
    return json.loads(body)["error"]


def chinese_page(answer: tuple[int, dict, bytes]) -> str:
    status, headers, body = answer
    assert headers["content-type"].startswith("text/html"), (status, body[:200])
    text = body.decode("utf-8")
    assert "portal.css" in text and "返回首页" in text
    return text


@pytest.mark.parametrize("path", ("/api/v1/applications/%ff", "/api/v1/nonexist/%ff", "/api/v1/public/records/%C0%AF"))
def test_an_api_path_that_is_not_utf8_is_the_contracts_400(served, path):
    answer = ask(served[0], "GET", path)
    assert answer[0] == 400 and contract_error(answer)["fields"] == {"request": BAD_ENCODING}


@pytest.mark.parametrize("path", ("/%ff", "/public/records/%ff"))
def test_a_page_path_that_is_not_utf8_is_the_styled_400(served, path):
    answer = ask(served[0], "GET", path)
    assert answer[0] == 400 and BAD_ENCODING in chinese_page(answer)


@pytest.mark.parametrize("path", ("/api/v1/public/records/%00", "/api/v1/public/records/%00/history",
                                  "/api/v1/public/records/%00/licence", "/api/v1/public/records/%00?format=fhir"))
def test_a_nul_identifier_is_no_such_record(served, path):
    answer = ask(served[0], "GET", path)
    assert answer[0] == 404 and contract_error(answer)["code"] == "not_found"


def test_a_nul_identifier_on_the_page_is_the_styled_404(served):
    answer = ask(served[0], "GET", "/public/records/%00")
    assert answer[0] == 404 and "公示记录不存在" in chinese_page(answer)


@pytest.mark.parametrize("query", ("format=%FF", "foo=%FF", "format=json&%FF=1"))
def test_a_query_that_is_not_utf8_on_a_record_is_a_400(served, query):
    answer = ask(served[0], "GET", f"/api/v1/public/records/H11010220260000001L?{query}")
    assert answer[0] == 400 and contract_error(answer)["fields"] == {"request": BAD_ENCODING}


def test_an_oversized_chunked_upload_gets_the_contracts_413(served):
    def chunks():
        for _ in range(10):
            yield b"x" * MB

    answer = ask(served[0], "POST", "/api/v1/institution/batches", body=chunks(), encode_chunked=True,
                 headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked"})
    assert answer[0] == 413 and contract_error(answer)["code"] == "too_large"


def test_a_json_body_over_its_limit_and_a_declared_one_over_8_mb_get_the_contracts_413(served):
    for media, size in (("application/json", 5 * MB), ("text/csv", MAX_BODY_BYTES + MB)):
        answer = ask(served[0], "POST", "/api/v1/institution/batches", body=b"x" * size, headers={"Content-Type": media})
        assert answer[0] == 413 and contract_error(answer)["code"] == "too_large"


def test_a_page_upload_over_8_mb_gets_a_chinese_page_with_a_way_back(served):
    boundary = "medreg-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + b"%PDF-1.4\n" + b"0" * (9 * MB) + f"\r\n--{boundary}--\r\n".encode()
    answer = ask(served[0], "POST", "/me/applications/1", body=body,
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer[0] == 413 and "请求体过大" in chinese_page(answer)


def test_waitress_keeps_a_hard_bound_on_a_body(served):
    """Past twice the app's limit a declared body is refused at once, unread (waitress's own answer)."""
    assert server_body_limit() == 2 * MAX_BODY_BYTES
    connection = http.client.HTTPConnection("127.0.0.1", served[0], timeout=60)
    try:
        connection.putrequest("POST", "/api/v1/institution/batches")
        connection.putheader("Content-Type", "text/csv")
        connection.putheader("Content-Length", str(server_body_limit() + 1))
        connection.endheaders()  # and not a byte of the body
        assert connection.getresponse().status == 413
    finally:
        connection.close()


def test_the_log_of_a_request_with_an_id_number_in_its_path_holds_none_of_its_digits(served):
    port, log = served
    answer = ask(port, "GET", f"/api/v1/public/records/{ID_NUMBER}%00")
    assert answer[0] == 404
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert any(line.get("route") == "api.public.record" and line.get("status") == 404 for line in lines)
    assert not [line for line in lines if re.search(r"19820107|071332", json.dumps(line))]
