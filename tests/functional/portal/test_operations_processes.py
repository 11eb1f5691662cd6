"""Every process writes JSON log lines (docs/operations.md): the portal under `medreg serve` (with the request id on
the lines of a request), a Celery worker, the relay."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import asdict
from pathlib import Path

from tests.functional.portal.test_serve import start

ROOT = Path(__file__).resolve().parents[3]


def json_lines(text: str) -> list[dict]:
    """Every non-empty line, parsed: a line that is not JSON fails the test."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def fetch(port: int, path: str, request_id: str | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-Request-Id": request_id} if request_id else {})
    for _ in range(100):
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer on {port}")


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return out, err


def test_the_portal_writes_json_lines_carrying_the_request_id(env):
    server, port = start(env, "--processes", "2", "--threads", "2")
    try:
        status, headers, _ = fetch(port, "/api/v1/openapi.json", "served-by-test")
        assert status == 200 and headers["X-Request-Id"] == "served-by-test"
        status, headers, _ = fetch(port, "/no-such-page", "missing-page")
        assert status == 404 and headers["X-Request-Id"] == "missing-page"
        status, _, metrics = fetch(port, "/metrics")
        # The processes share their counts (PROMETHEUS_MULTIPROC_DIR): whichever answers the scrape counts both requests.
        assert status == 200 and 'route="api.openapi' in metrics.replace("api.openapi_json", "api.openapi")
        assert "medreg_outbox_waiting" in metrics
        out, err = stop(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0
    lines = json_lines(out) + json_lines(err)
    assert all({"ts", "level", "logger", "event"} <= line.keys() for line in lines)
    access = {line["request_id"]: line for line in lines if line["logger"] == "medreg.access"}
    assert access["served-by-test"]["status"] == 200 and access["served-by-test"]["method"] == "GET"
    assert access["missing-page"]["status"] == 404 and access["missing-page"]["route"] == "unmatched"
    assert not any("?" in str(line.get("route", "")) for line in lines)
    assert any("门户已停止" in line["event"] for line in json_lines(out))


def worker_environment(settings) -> dict[str, str]:
    return {**os.environ, "MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": settings.broker_url,
            "MEDREG_SECRET": settings.secret, "MEDREG_SMS_BACKEND": settings.sms_backend,
            "MEDREG_CHANNELS": json.dumps([asdict(channel) for channel in settings.channels]), "MEDREG_WORKER_RELAY": "0"}


def run_until_logged(log: Path, marker: str, environment: dict[str, str], arguments: list[str],
                     wait: float = 60) -> list[dict]:
    """`celery -A workers ARGUMENTS` with its output in `log`, until `marker` is written (at most `wait` s), then
    SIGTERM; the JSON lines it wrote."""
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers", *arguments], cwd=ROOT,
                                   env=environment, stdout=handle, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + wait
            while marker not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return json_lines(log.read_text())


def test_a_celery_worker_writes_json_lines(settings, tmp_path):
    queue = f"test-logs-{uuid.uuid4().hex[:8]}"
    lines = run_until_logged(tmp_path / "worker.log", "ready.", worker_environment(settings),
                             ["worker", "-Q", queue, "-c", "1", "-P", "solo", "-n", f"{queue}@%h", "--without-gossip",
                              "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"])
    assert any(line["event"].endswith("ready.") and line["logger"].startswith("celery") for line in lines), lines
    assert all({"ts", "level", "logger", "event"} <= line.keys() for line in lines)


def test_celery_beat_writes_json_lines(settings, tmp_path):
    """Beat on a broker nobody listens at (so it sends the test workers no periodic task): its start and its
    complaints about the broker are JSON lines."""
    environment = {**worker_environment(settings), "MEDREG_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//"}
    lines = run_until_logged(tmp_path / "beat.log", "celery beat started", environment,
                             ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "schedule")])
    assert any(line["event"] == "celery beat started" for line in lines), lines
    assert all({"ts", "level", "logger", "event"} <= line.keys() for line in lines)


def test_the_relay_writes_json_lines(settings):
    relay = subprocess.Popen([sys.executable, "-m", "workers", "relay"], cwd=ROOT, env=worker_environment(settings),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = relay.stderr.readline() if relay.stderr else ""  # its first line: it has started, SIGTERM is handled
        out, err = stop(relay)
    finally:
        if relay.poll() is None:
            relay.kill()
            relay.wait()
    lines = json_lines(first + err) + json_lines(out)
    assert any("发件箱转发已启动" in line["event"] for line in lines) and any("发件箱转发已停止" in line["event"] for line in lines)


def test_beat_and_a_worker_started_as_documented_write_their_lines(settings, tmp_path):
    """`celery -A workers beat` and `celery -A workers worker -Q …` exactly as the contract runs them, without
    `--loglevel`: Celery's own default (WARNING) left beat without a single line and a worker with its warnings only.
    They log at MEDREG_LOG_LEVEL, else INFO, as the portal and the relay do; an explicit `--loglevel` still wins."""
    unset = {name: value for name, value in worker_environment(settings).items() if name != "MEDREG_LOG_LEVEL"}
    environment = {**unset, "MEDREG_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//"}
    lines = run_until_logged(tmp_path / "beat.log", "celery beat started", environment,
                             ["beat", "--schedule", str(tmp_path / "schedule")])
    assert any(line["event"] == "celery beat started" and line["level"] == "info" for line in lines), lines
    assert all({"ts", "level", "logger", "event"} <= line.keys() for line in lines)

    queue = f"test-logs-{uuid.uuid4().hex[:8]}"
    worker = ["worker", "-Q", queue, "-c", "1", "-n", f"{queue}@%h", "--without-gossip", "--without-mingle",
              "--without-heartbeat"]
    lines = run_until_logged(tmp_path / "worker.log", "ready.", unset, worker)
    assert any(line["event"].endswith("ready.") and line["logger"].startswith("celery") for line in lines), lines

    lines = run_until_logged(tmp_path / "quiet.log", "celery beat started", environment,
                             ["beat", "--loglevel", "WARNING", "--schedule", str(tmp_path / "quiet")], wait=10)
    assert not any(line["level"] == "info" for line in lines), lines
