"""Rule 6 against slow clients (slow-loris), over HTTP against `medreg serve`: waitress alone stops accepting at 100
open connections per process and closes one only after 120 s without a byte, so 100 connections from one address,
each sending a header line every second, froze the portal for everyone (a request then waited past any time-out).
Now a request's headers must arrive within HEADER_SECONDS of its first byte (portal/cli/servers.py)."""
from __future__ import annotations

import http.client
import socket
import time
from types import SimpleNamespace

from portal.cli.servers import HEADER_SECONDS, MIN_BODY_RATE, request_overdue
from tests.functional.security.test_bad_urls_served import served  # noqa: F401  (the fixture: `medreg serve`)

SLOW = 150  # more than waitress's default connection limit of 100


def trickle(sockets: list[socket.socket]) -> int:
    """Send every still open connection one more header line; how many the server has closed."""
    closed = 0
    for sock in sockets:
        try:
            sock.sendall(b"X-Slow: 1\r\n")
            sock.setblocking(False)
            try:
                closed += sock.recv(1) == b""
            except BlockingIOError:
                pass
            finally:
                sock.setblocking(True)
        except OSError:
            closed += 1
    return closed


def answered_quickly(port: int) -> None:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/api/v1/public/licence-keys")
        assert connection.getresponse().status == 200 and time.monotonic() - started < 5
    finally:
        connection.close()


def test_connections_trickling_their_headers_neither_block_others_nor_stay_open(served):  # noqa: F811
    port, _ = served
    sockets = []
    try:
        for _ in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /api/v1/public/licence-keys HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        answered_quickly(port)  # while they are all open
        deadline = time.monotonic() + HEADER_SECONDS + 10
        closed = 0
        while time.monotonic() < deadline and closed < SLOW:
            time.sleep(1)
            closed = trickle(sockets)
        assert closed == SLOW, f"{SLOW - closed} connections still open {HEADER_SECONDS + 10} s after their first byte"
        answered_quickly(port)
    finally:
        for sock in sockets:
            sock.close()


def test_a_request_is_overdue_only_while_it_is_still_being_read():
    now = 1000.0
    reading = SimpleNamespace(headers_finished=False, content_length=0, chunked=False)
    channel = SimpleNamespace(request=reading, request_began=now - HEADER_SECONDS - 1, requests=[])
    assert request_overdue(channel, now)
    assert not request_overdue(SimpleNamespace(**{**vars(channel), "request_began": now - HEADER_SECONDS + 1}), now)
    # Being served (the request was read), or between requests: not this rule's (waitress's idle time-out is).
    assert not request_overdue(SimpleNamespace(**{**vars(channel), "requests": [reading]}), now)
    assert not request_overdue(SimpleNamespace(**{**vars(channel), "request": None}), now)
    # A body may take its length at MIN_BODY_RATE on top of the headers' time.
    body = SimpleNamespace(headers_finished=True, content_length=100 * MIN_BODY_RATE, chunked=False)
    uploading = SimpleNamespace(request=body, request_began=now - HEADER_SECONDS - 50, requests=[])
    assert not request_overdue(uploading, now)
    assert request_overdue(SimpleNamespace(**{**vars(uploading), "request_began": now - HEADER_SECONDS - 101}), now)
