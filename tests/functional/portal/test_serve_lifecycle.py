"""`medreg serve` started, stopped and started again the way a supervisor or a deploy script does it: the start line
comes only once a request is answered at once, SIGTERM lets the requests in hand finish (past waitress's own 5 s) and
exits 0 with one stop line, never a traceback, and the same port can be taken again the moment it has stopped."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time

from tests.functional.portal.test_serve import children_of, medreg_command, start

BODY = b'{"name": "' + b"x" * 2000 + b'"}'


def answered_at_once(port: int, path: str = "/healthz") -> int:
    """One request, no retry, a short timeout: what a script does right after it has read the start line."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.5)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def stop(server: subprocess.Popen, number: int = signal.SIGTERM) -> tuple[int, str, str]:
    server.send_signal(number)
    out, err = server.communicate(timeout=40)
    return server.returncode, out, err


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def slow_request(port: int) -> socket.socket:
    """A POST whose headers and first half of the body are sent: the request is in hand, being read."""
    client = socket.create_connection(("127.0.0.1", port), timeout=30)
    client.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY[:1000])
    return client


def rest_and_answer(client: socket.socket) -> http.client.HTTPResponse:
    client.sendall(BODY[1000:])
    answer = http.client.HTTPResponse(client)
    answer.begin()
    answer.read()  # all of the body it declares, or IncompleteRead
    return answer


def test_the_start_line_comes_once_a_request_is_answered_at_once(env):
    # four processes on this machine's cores: each builds its app for seconds; the line waits for all of them
    server, port = start(env, "--processes", "4", "--threads", "2")
    try:
        assert answered_at_once(port) == 200
        assert len(children_of(server.pid)) == 4
    finally:
        code, out, err = stop(server)
    assert code == 0 and "Traceback" not in err
    assert [line["event"] for line in json_lines(out)] == ["门户已停止"]  # the start line was read by start()


def test_sigterm_lets_a_request_being_received_finish_past_five_seconds_and_exits_0(env):
    server, port = start(env, "--processes", "2", "--threads", "2")
    serving = children_of(server.pid)
    client = slow_request(port)
    try:
        time.sleep(0.5)  # its first half read by a serving process
        server.send_signal(signal.SIGTERM)
        time.sleep(6)  # longer than waitress's own 5 s on a stop
        assert server.poll() is None  # still finishing the request in hand
        with socket.socket() as late:  # a new connection now: refused cleanly, the socket is closed everywhere
            late.settimeout(5)
            assert late.connect_ex(("127.0.0.1", port)) == 111  # ECONNREFUSED
        answer = rest_and_answer(client)
        assert 400 <= answer.status < 500 and answer.getheader("Content-Type", "").startswith("application/json")
        assert server.wait(timeout=15) == 0
    finally:
        client.close()
        if server.poll() is None:
            server.kill()
        out, err = server.communicate(timeout=10)
    assert [line["event"] for line in json_lines(out)][-1] == "门户已停止"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not any(os.path.exists(f"/proc/{pid}") for pid in serving)


def test_sigint_in_a_single_process_lets_a_request_being_received_finish(env):
    server, port = start(env, "--processes", "1")
    client = slow_request(port)
    try:
        time.sleep(0.5)
        server.send_signal(signal.SIGINT)
        time.sleep(1)
        assert server.poll() is None
        answer = rest_and_answer(client)
        assert 400 <= answer.status < 500
        assert server.wait(timeout=15) == 0
    finally:
        client.close()
        if server.poll() is None:
            server.kill()
        _, err = server.communicate(timeout=10)
    assert "Traceback" not in err


def test_connections_queued_at_the_stop_are_answered_not_reset(env):
    server, port = start(env, "--processes", "1")
    busy = slow_request(port)  # in hand at the stop as well
    queued = []
    try:
        server.send_signal(signal.SIGSTOP)  # nothing accepts: these wait in the listening socket's queue
        for _ in range(5):
            client = socket.create_connection(("127.0.0.1", port), timeout=20)
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            queued.append(client)
        server.send_signal(signal.SIGTERM)
        server.send_signal(signal.SIGCONT)
        for client in queued:
            answer = http.client.HTTPResponse(client)
            answer.begin()
            assert answer.status == 200 and json.loads(answer.read()) == {"status": "ok"}
        assert rest_and_answer(busy).status < 500
        assert server.wait(timeout=15) == 0
    finally:
        for client in [busy, *queued]:
            client.close()
        if server.poll() is None:
            server.kill()
        _, err = server.communicate(timeout=10)
    assert "Traceback" not in err


def test_the_in_hand_wait_is_bounded_by_medreg_shutdown_seconds(env, monkeypatch):
    monkeypatch.setenv("MEDREG_SHUTDOWN_SECONDS", "1")
    server, port = start(env, "--processes", "2")
    client = slow_request(port)  # never finished
    try:
        time.sleep(0.5)
        began = time.monotonic()
        code, _, err = stop(server)
        assert code == 0 and time.monotonic() - began < 6
        assert client.recv(100) == b""  # closed, after the limit
    finally:
        client.close()
    assert "停止等待已满 1 秒" in err and "Traceback" not in err


def test_a_sigterm_while_the_processes_are_starting_stops_with_one_line_and_no_traceback(env):
    environment = {**os.environ, "MEDREG_DATABASE_URL": env.database_url, "MEDREG_SECRET": env.secret, "MEDREG_CHANNELS": ""}
    server = subprocess.Popen([*medreg_command(), "serve", "--host", "127.0.0.1", "--port", "0", "--processes", "2"],
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while len(children_of(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # each child into building its app (seconds)
        code, out, err = stop(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert code == 0
    assert [line["event"] for line in json_lines(out)] == ["门户已停止"]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert all(json_lines(err))  # standard error, if anything, is JSON lines too


def test_serve_starts_again_on_the_same_port_at_once(env):
    server, port = start(env, "--processes", "2")
    kept_alive = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    kept_alive.request("GET", "/healthz")
    assert kept_alive.getresponse().read()  # an open keep-alive connection across the stop: closed by the server
    code, _, err = stop(server)
    assert code == 0 and "Traceback" not in err
    kept_alive.close()
    again, again_port = start(env, "--processes", "2", port=port)
    try:
        assert again_port == port and answered_at_once(port) == 200
    finally:
        code, _, err = stop(again)
    assert code == 0 and "Traceback" not in err and not re.search("端口已被占用|Address already in use", err)


def test_a_shutdown_limit_that_is_not_a_number_is_refused_at_start(env):
    environment = {**os.environ, "MEDREG_DATABASE_URL": env.database_url, "MEDREG_SECRET": env.secret,
                   "MEDREG_SHUTDOWN_SECONDS": "二十"}
    refused = subprocess.run([*medreg_command(), "serve", "--host", "127.0.0.1", "--port", "0", "--processes", "1"],
                             env=environment, capture_output=True, text=True, timeout=20)
    assert refused.returncode == 2 and refused.stdout == ""
    assert [line["event"] for line in json_lines(refused.stderr)] == [
        "MEDREG_SHUTDOWN_SECONDS（停止时等待请求完成的秒数）应为非负数"]
