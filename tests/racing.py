"""Requests that race: the portal served by waitress on 127.0.0.1 with many threads, and real HTTP requests released
together, as an attacker's script or two clerks at the same moment would send them."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from waitress import create_server

THREADS = 16


@contextmanager
def served(app) -> Iterator[str]:
    """`app` on waitress, on a free port of 127.0.0.1, with as many threads as the senders: its address. Closing the
    listening socket under the loop's select() is how it stops: that one error is expected, no other."""
    server = create_server(app, host="127.0.0.1", port=0, threads=THREADS)
    closing = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closing.set()
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def at_once(url: str, bodies: list[dict], headers: dict | None = None) -> list[tuple[int, dict]]:
    """POST every body to `url` from THREADS threads, released together."""
    start = threading.Barrier(min(THREADS, len(bodies)))

    def one(body: dict) -> tuple[int, dict]:
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass  # the last few start as soon as a thread is free
        return post(url, body, headers)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, bodies))


def outcomes(answers: list[tuple[int, dict]]) -> Counter:
    return Counter((status, body.get("error", {}).get("code")) for status, body in answers)
