"""`medreg demo` is the embedded default: one command, no servers, and the real pipeline runs on SQLite
and kombu's SQLAlchemy transport. Driven here as a user would, over HTTP, with the printed credentials."""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.journeys import wait_for

MEDREG = str(Path(sys.executable).parent / "medreg")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Demo:
    """The demo as a child process, with its output read line by line in the background."""

    def __init__(self, var: Path, port: int) -> None:
        self.process = subprocess.Popen(
            [MEDREG, "demo", "--var", str(var), "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def banner(self, last_line: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.output)
                continue
            seen.append(line)
            if last_line in line:
                return "".join(seen)
        raise AssertionError("no banner in time:\n" + "".join(self.output))

    def interrupt(self, timeout: float) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path, method=method, data=None if body is None else json.dumps(body).encode())
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def ok(self, method: str, path: str, body: dict | None = None, token: str | None = None, status: int = 200) -> dict:
        got, answer = self.call(method, path, body, token)
        assert got == status, (method, path, got, answer)
        return answer

    def login(self, username: str, password: str) -> str:
        return self.ok("POST", "/api/v1/login", {"username": username, "password": password})["token"]


def credentials(banner: str) -> dict:
    url = re.search(r"演示环境已启动：(\S+)", banner).group(1)
    staff = re.findall(r"用户名：(\S+)\s+密码：(\S+)", banner)
    person = re.search(r"身份证号：(\S+)\s+手机：\S+\s+密码：(\S+)\s+医师资格证书编号：(\S+)", banner)
    institution_id = int(re.search(r"机构ID (\d+)", banner).group(1))
    receiver = re.search(r"公示接收端：(http://\S+)/national", banner).group(1)
    return {
        "url": url, "commission": staff[0], "institution": staff[1], "institution_id": institution_id,
        "person": person.group(1, 2), "certificate_no": person.group(3), "receiver": receiver,
    }


def test_demo_runs_a_first_registration_to_publication(tmp_path):
    demo = Demo(tmp_path / "var", free_port())
    try:
        given = credentials(demo.banner("按 Ctrl-C 停止", timeout=40))
        api = Client(given["url"])
        me = api.login(*given["person"])
        application_id = api.ok("POST", "/api/v1/applications", {"kind": "physician.first_registration", "data": {
            "certificate_no": given["certificate_no"], "practice_category": "临床", "practice_scope": "内科专业",
            "institution_id": given["institution_id"]}}, token=me, status=201)["id"]

        def status_is(*statuses: str):
            body = api.ok("GET", f"/api/v1/applications/{application_id}", token=me)
            assert body["status"] not in ("verification_failed", "rejected"), body
            return body if body["status"] in statuses else None

        wait_for(lambda: status_is("awaiting_institution"), timeout=20)
        institution = api.login(*given["institution"])
        api.ok("POST", f"/api/v1/institution/tasks/{application_id}", {"decision": "confirm"}, token=institution)
        commission = api.login(*given["commission"])
        wait_for(lambda: any(item["id"] == application_id
                             for item in api.ok("GET", "/api/v1/commission/queue", token=commission)["items"]), timeout=20)
        api.ok("POST", f"/api/v1/commission/queue/{application_id}", {"decision": "approve"}, token=commission)
        identifier = wait_for(lambda: status_is("published"), timeout=20)["identifier"]

        record = api.ok("GET", f"/api/v1/public/records/{identifier}")
        assert record["name"] == "王建国" and record["kind"] == "physician"
        national = Client(given["receiver"])
        wait_for(lambda: national.call("GET", f"/national/{identifier}")[0] == 200, timeout=20)
        wait_for(lambda: national.call("GET", f"/beijing/{identifier}")[0] == 200, timeout=20)
    finally:
        exit_code = demo.interrupt(timeout=30)
    assert exit_code == 0, "".join(demo.output)
    assert "演示环境已停止" in "".join(demo.output)


def test_demo_data_loads_once_and_a_second_start_reuses_it(tmp_path):
    from sqlalchemy import func, select

    from models import Account, Commission, Division, Institution, PhysicianQualification, PublicVersion
    from models.db import session_scope
    from models.settings import Settings
    from portal.cli.database import init_database
    from portal.demo import load_demo_data

    settings = Settings(database_url=f"sqlite:///{tmp_path}/medreg.sqlite", broker_url="", secret="demo-test",
                        sms_backend=f"file:{tmp_path}/sms.jsonl")
    init_database(settings.database_url)
    tables = (Division, Commission, Institution, PhysicianQualification, Account, PublicVersion)

    def counts():
        with session_scope(settings.database_url) as session:
            return [session.scalar(select(func.count()).select_from(table)) for table in tables]

    with session_scope(settings.database_url) as session:
        first = load_demo_data(session, settings)
    loaded = counts()
    with session_scope(settings.database_url) as session:
        assert load_demo_data(session, settings) == first
    assert counts() == loaded == [9, 9, 3, 12, 3, 3]
    with session_scope(settings.database_url) as session:
        identifiers = session.scalars(select(Institution.identifier)).all()
    assert all(identifier and identifier.startswith("H") for identifier in identifiers)
