"""`medreg receiver`: a reference downstream disclosure site.

It takes signed pushes at POST /{channel}, refuses forged ones (bad signature, or record headers that
do not match the signed body), stale ones (timestamp too far from now) and replayed ones (the very same
signed push seen before, within the clock-skew window — older ones are stale anyway), keeps the highest
version of every record, and serves what it holds at GET /{channel} (all records) and
GET /{channel}/{identifier}. Tests use it as the real HTTP receiver; a real site can
start from it. `fail_with` makes it answer an error status for a while, as a site that is down would; `delay`
makes it slow; a channel in `hung` takes pushes and never answers them, as a frozen site would (SIGSTOP: the kernel
accepts the connection, nothing answers), until it is taken out again, when those connections are closed unanswered.
"""
from __future__ import annotations

import hmac
import itertools
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from models.crypto import sign_push

MAX_CLOCK_SKEW_SECONDS = 300


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: dict[str, dict[str, dict]] = {}  # channel -> identifier -> newest body
        self.accepted: list[tuple[str, str, int]] = []  # every accepted push, in order
        self.refused: list[tuple[str, str]] = []  # (channel, reason)
        self.kept: dict[tuple[str, str], list[int]] = {}  # (channel, identifier) -> versions kept, in order
        self.seen: dict[str, float] = {}  # signature -> when it was first accepted (replay protection)

    def first_sighting(self, signature: str, now: float) -> bool:
        """Whether this signed push is new; forgets signatures older than the window, which are stale anyway."""
        with self.lock:
            # Signatures are kept in the order they came, so the old ones are at the front: dropping them costs
            # what was dropped, not a look at every signature of the window (a national load pushes millions).
            for old, at in list(itertools.islice(self.seen.items(), 64)):
                if now - at <= 2 * MAX_CLOCK_SKEW_SECONDS:
                    break
                del self.seen[old]
            if signature in self.seen:
                return False
            self.seen[signature] = now
            return True

    def keep(self, channel: str, identifier: str, version: int, body: dict) -> bool:
        with self.lock:
            self.accepted.append((channel, identifier, version))
            held = self.records.setdefault(channel, {}).get(identifier)
            if held is not None and held.get("_version", 0) >= version:
                return False
            self.records[channel][identifier] = {**body, "_version": version}
            self.kept.setdefault((channel, identifier), []).append(version)
            return True


class _Server(ThreadingHTTPServer):
    # socketserver's default accept queue is 5 connections: a sender's pushers (eight per channel and batch, several
    # batches at once) overflow it whenever the accepting thread is slow to run, and the kernel then drops their
    # connection attempts, which look to the sender like a site that does not answer.
    request_queue_size = 128


class Receiver:
    def __init__(self, secrets: dict[str, str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.secrets = secrets
        self.store = Store()
        self.fail_with: int | None = None
        self.delay = 0.0  # seconds each push takes to answer, as a slow site's would
        self.hung: set[str] = set()  # channels whose pushes are never answered
        self.asked: Counter[str] = Counter()  # pushes received per channel, answered or not
        self.server = _Server((host, port), _handler_for(self))
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.port}/{channel}"

    def held(self, channel: str) -> dict[str, dict]:
        with self.store.lock:
            return dict(self.store.records.get(channel, {}))

    def __enter__(self) -> Receiver:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def serve_forever(self) -> None:
        self.server.serve_forever()


def verify_push(secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None) -> str | None:
    """None if the push is genuine and fresh, else the reason it is refused."""
    if not timestamp.isdigit():
        return "missing timestamp"
    if abs((now or time.time()) - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return "stale timestamp"
    if not hmac.compare_digest(sign_push(secret, timestamp, body), signature):
        return "bad signature"
    return None


def record_key(body: object) -> tuple[str, int] | None:
    """(identifier, version) the signed body is about: our JSON record, a FHIR Bundle or an Organization."""
    if not isinstance(body, dict):
        return None
    if body.get("resourceType") == "Bundle":
        entries = body.get("entry") or [{}]
        body = entries[0].get("resource") or {}
    if "resourceType" in body:
        identifier, version = body.get("id"), (body.get("meta") or {}).get("versionId")
    else:
        identifier, version = body.get("identifier"), body.get("version")
    if not isinstance(identifier, str) or not str(version).isdigit():
        return None
    return identifier, int(str(version))


def _handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive: a sender may push many records over one connection (every answer has a Content-Length).
        protocol_version = "HTTP/1.1"
        timeout = 60  # an idle kept connection is closed after this
        disable_nagle_algorithm = True  # the headers and the body go out as two writes: do not hold the second back

        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, payload: object) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            channel = self.path.strip("/").split("/")[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.store.lock:
                receiver.asked[channel] += 1
            if channel in receiver.hung:
                while channel in receiver.hung:
                    time.sleep(0.05)
                self.close_connection = True  # the sender gave up long ago: nothing is answered
                return
            if receiver.delay:
                time.sleep(receiver.delay)
            if receiver.fail_with:
                self._answer(receiver.fail_with, {"error": "unavailable"})
                return
            secret = receiver.secrets.get(channel)
            if secret is None:
                self._answer(404, {"error": "unknown channel"})
                return
            reason = verify_push(secret, self.headers.get("X-Medreg-Timestamp", ""), body, self.headers.get("X-Medreg-Signature", ""))
            if reason:
                receiver.store.refused.append((channel, reason))
                self._answer(401, {"error": reason})
                return
            version = self.headers.get("X-Medreg-Version", "")
            identifier = self.headers.get("X-Medreg-Record", "")
            if not version.isdigit() or not identifier:
                self._answer(400, {"error": "missing record headers"})
                return
            try:
                record = json.loads(body)
            except ValueError:
                self._answer(400, {"error": "body is not JSON"})
                return
            # The headers are not signed, the body is: a push whose headers claim another record or
            # version than its body is forged (e.g. a captured body resent as a "newer" version).
            if record_key(record) != (identifier, int(version)):
                receiver.store.refused.append((channel, "headers do not match body"))
                self._answer(401, {"error": "headers do not match body"})
                return
            if not receiver.store.first_sighting(self.headers.get("X-Medreg-Signature", ""), time.time()):
                receiver.store.refused.append((channel, "replayed"))
                self._answer(409, {"error": "replayed"})
                return
            kept = receiver.store.keep(channel, identifier, int(version), record)
            self._answer(200, {"kept": kept})

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            held = receiver.held(parts[0])
            if len(parts) == 1:
                self._answer(200, {"records": list(held.values())})
            elif parts[1] in held:
                self._answer(200, held[parts[1]])
            else:
                self._answer(404, {"error": "not held"})

    return Handler
