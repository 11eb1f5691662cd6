"""The load: applicants submit over HTTP, the institution confirms and the commission approves over the API.

Each client thread keeps its own keep-alive connection. The institution and the commission are one
poller each: list their queue, decide every item listed with a pool of threads, list again.
"""
from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import text

from bench.seed import Applicant
from models.db import engine_for
from pipeline.kinds.physician_first_registration import KIND as FIRST_REGISTRATION

FAILED = ("verification_failed", "rejected", "returned", "withdrawn")


class ApiError(RuntimeError):
    pass


class Api:
    """A JSON client over per-thread keep-alive connections, spread round-robin over the portal ports."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = itertools.cycle(ports)
        self.local = threading.local()
        self.lock = threading.Lock()

    def connection(self) -> http.client.HTTPConnection:
        if getattr(self.local, "connection", None) is None:
            with self.lock:
                port = next(self.ports)
            self.local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        return self.local.connection

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            connection = self.connection()
            try:
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def expect(self, status: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        got, answer = self.call(method, path, body, token)
        if got != status:
            raise ApiError(f"{method} {path} answered {got} (expected {status}): {answer}")
        return answer

    def login(self, username: str, password: str) -> str:
        return self.expect(200, "POST", "/api/v1/login", {"username": username, "password": password})["token"]


@dataclass
class Decider:
    """One desk (institution or commission): lists its queue and decides everything listed, until stopped."""

    api: Api
    token: str
    list_path: str
    decide_path: str  # with {id}
    decision: str
    threads: int
    stop: threading.Event = field(default_factory=threading.Event)
    decided: int = 0
    lists: int = 0
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        with ThreadPoolExecutor(self.threads, thread_name_prefix=self.decision) as pool:
            while not self.stop.is_set():
                try:
                    items = self.api.expect(200, "GET", self.list_path, token=self.token)["items"]
                    self.lists += 1
                    if not items:
                        self.stop.wait(0.05)
                        continue
                    for _ in pool.map(self.decide, [item["id"] for item in items]):
                        pass
                except Exception as error:  # recorded and shown; the run then times out with the statuses
                    self.errors.append(repr(error))
                    self.stop.wait(0.5)

    def decide(self, application_id: int) -> None:
        status, answer = self.api.call("POST", self.decide_path.format(id=application_id), {"decision": self.decision}, self.token)
        if status == 200:
            self.decided += 1
        elif status != 409:  # 409: already decided (a listing raced a decision); anything else is a failure
            raise ApiError(f"{self.decision} {application_id} answered {status}: {answer}")


@dataclass
class Phase:
    application_ids: list[int]
    submit_seconds: float  # wall time the clients took to submit everything
    finished_at: float  # time.time() when every application was seen published


def run_phase(api: Api, database_url: str, applicants: list[Applicant], tokens: dict[int, str], institution_id: int,
              institution_token: str, commission_token: str, threads: int, decide_threads: int, timeout: float) -> Phase:
    """Submit every applicant's first registration and drive them all to `published`."""
    desks = [
        Decider(api, institution_token, "/api/v1/institution/tasks", "/api/v1/institution/tasks/{id}", "confirm", decide_threads),
        # Only the bench institution's applications: in a loaded country the county's queue also holds synthetic
        # ones, which have no qualification record behind them and could never be issued.
        Decider(api, commission_token, f"/api/v1/commission/queue?institution={institution_id}",
                "/api/v1/commission/queue/{id}", "approve", decide_threads),
    ]
    runners = [threading.Thread(target=desk.run, daemon=True) for desk in desks]
    for runner in runners:
        runner.start()

    def submit(applicant: Applicant) -> int:
        body = {"kind": FIRST_REGISTRATION.name, "data": {
            "certificate_no": applicant.certificate_no, "practice_category": "临床", "practice_scope": "内科专业",
            "institution_id": institution_id}}
        return api.expect(201, "POST", "/api/v1/applications", body, tokens[applicant.account_id])["id"]

    try:
        started = time.monotonic()
        with ThreadPoolExecutor(threads, thread_name_prefix="submit") as pool:
            ids = list(pool.map(submit, applicants))
        submit_seconds = time.monotonic() - started
        wait_published(database_url, ids, timeout, desks)
        return Phase(ids, submit_seconds, time.time())
    finally:
        for desk in desks:
            desk.stop.set()
        for runner in runners:
            runner.join(timeout=30)


def statuses(database_url: str, ids: list[int]) -> dict[str, int]:
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(
            text("SELECT status, count(*) FROM applications WHERE id = ANY(:ids) GROUP BY status"), {"ids": ids}
        )
        return dict(rows.all())


def wait_published(database_url: str, ids: list[int], timeout: float, desks: list[Decider]) -> None:
    deadline = time.monotonic() + timeout
    while True:
        counts = statuses(database_url, ids)
        if counts.get("published", 0) == len(ids):
            return
        failed = {status: counts[status] for status in FAILED if counts.get(status)}
        errors = [error for desk in desks for error in desk.errors]
        if failed or time.monotonic() > deadline:
            raise RuntimeError(f"applications did not all reach published: {counts}; desk errors: {errors[:3]}")
        time.sleep(0.1)


def wait_delivered(database_url: str, expected: int, timeout: float) -> None:
    """Until every delivery of the run has reached its channel (they go on after `published`)."""
    deadline = time.monotonic() + timeout
    query = text("SELECT count(*) FILTER (WHERE status = 'delivered'), count(*) FROM deliveries")
    while True:
        with engine_for(database_url).connect() as connection:
            delivered, total = connection.execute(query).one()
        if delivered >= expected and delivered == total:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"deliveries not done: {delivered} of {total} delivered, {expected} expected")
        time.sleep(0.1)


def latencies(database_url: str, ids: list[int]) -> tuple[list[float], float, float]:
    """Seconds from each application's first history row to its `published` row, and the window's ends (epoch)."""
    query = text(
        "SELECT min(e.at), max(e.at) FILTER (WHERE e.to_status = 'published') "
        "FROM application_events e WHERE e.application_id = ANY(:ids) GROUP BY e.application_id"
    )
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(query, {"ids": ids}).all()
    values = [(published - submitted).total_seconds() for submitted, published in rows]
    first = min(submitted for submitted, _ in rows).timestamp()
    last = max(published for _, published in rows).timestamp()
    return values, first, last


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


def stage_medians(database_url: str, ids: list[int]) -> list[tuple[str, float, float]]:
    """For each step of the history (by its position), the median and p95 seconds since the step before it."""
    query = text(
        "SELECT e.application_id, e.at, e.to_status, e.comment FROM application_events e "
        "WHERE e.application_id = ANY(:ids) ORDER BY e.application_id, e.id"
    )
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(query, {"ids": ids}).all()
    steps: dict[tuple[int, str], list[float]] = {}
    previous = None
    position = 0
    for application_id, at, to_status, comment in rows:
        if previous is None or previous[0] != application_id:
            position = 0
        else:
            label = to_status if to_status != previous[2] else f"{to_status} ({comment[:6]})"
            steps.setdefault((position, label), []).append((at - previous[1]).total_seconds())
        position += 1
        previous = (application_id, at, to_status)
    return [(label, percentile(values, 0.5), percentile(values, 0.95)) for (_, label), values in sorted(steps.items())]
