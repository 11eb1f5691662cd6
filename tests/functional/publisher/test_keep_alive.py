"""Pushes of one batch share a connection per site (publisher/egress.py, Connections), and the reference receiver
keeps connections open and its replay window cheap: a national backlog is millions of pushes."""
from __future__ import annotations

import socket
import threading
import time

from models.settings import Channel
from publisher import egress
from publisher.channels import encode, push
from publisher.receiver import MAX_CLOCK_SKEW_SECONDS, Receiver, Store

LOCAL = ("127.0.0.1/32",)


def record(n: int) -> dict:
    return {"identifier": f"K{n:08d}", "version": 1, "kind": "physician", "name": "长连"}


def test_a_batch_of_pushes_goes_over_one_kept_connection():
    with Receiver({"national": "keep-secret"}) as site, egress.Connections() as connections:
        channel = Channel("national", site.url("national"), "", "keep-secret")
        sockets = set()
        for n in range(5):
            body = record(n)
            assert push(channel, body["identifier"], 1, encode(body), connections=connections).ok
            ((connection, _),) = connections._open.values()
            sockets.add(id(connection.sock))
        assert len(sockets) == 1 and connection.sock is not None
        assert set(site.held("national")) == {f"K{n:08d}" for n in range(5)}


class ClosingSite:
    """Answers HTTP/1.1 with a Content-Length, without "Connection: close", then closes the connection anyway: as a
    site does whose idle time-out ran out between two pushes."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    received = conn.recv(65536)
                    if not received:  # the client went away without asking
                        break
                    data += received
                head, _, body = data.partition(b"\r\n\r\n")
                lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
                if not lengths:
                    continue
                while len(body) < int(lengths[0]):
                    received = conn.recv(65536)
                    if not received:
                        break
                    body += received
                self.requests += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                time.sleep(0.05)  # closed after the answer, before the client's next request


def test_a_kept_connection_the_site_closed_is_opened_again_once():
    site = ClosingSite()
    try:
        with egress.Connections() as connections:
            for n in range(3):
                ok, outcome = egress.post(f"http://127.0.0.1:{site.port}/national", encode(record(n)), {}, LOCAL,
                                          connections=connections)
                assert (ok, outcome) == (True, "HTTP 200")
                time.sleep(0.1)
        assert site.requests == 3
    finally:
        site.listener.close()


def test_the_receiver_forgets_signatures_older_than_its_window_and_refuses_replays_within_it():
    store = Store()
    start = 1_000_000.0
    for n in range(1000):
        assert store.first_sighting(f"sig-{n}", start + n / 100)
    assert not store.first_sighting("sig-999", start + 11)  # a replay within the window
    later = start + 2 * MAX_CLOCK_SKEW_SECONDS + 20
    assert store.first_sighting("new", later)
    # The old ones are dropped as new pushes come (a few dozen at each), not all kept for ever.
    for n in range(100):
        store.first_sighting(f"newer-{n}", later + n / 100)
    assert "sig-0" not in store.seen and len(store.seen) == 101
