"""`medreg serve` as a deployment runs it: a process per CPU core on one listening socket by default, every one of
them answering; SIGTERM (or Ctrl-C) stops them all and the command exits 0."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def medreg_command() -> list[str]:
    script = Path(sys.executable).with_name("medreg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "portal.cli"]


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def start(env, *argv: str, port: int = 0) -> tuple[subprocess.Popen, int]:
    environment = {**os.environ, "MEDREG_DATABASE_URL": env.database_url, "MEDREG_SECRET": env.secret, "MEDREG_CHANNELS": ""}
    server = subprocess.Popen([*medreg_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *argv], env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline() if server.stdout else ""
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, (line, server.stderr.read() if server.stderr else "")
    return server, int(match.group(1))


def get(port: int, path: str) -> int:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                return answer.status
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer on {port}")


@pytest.mark.parametrize(("argv", "processes"), [((), os.cpu_count() or 1), (("--processes", "3", "--threads", "2"), 3),
                                                 (("--processes", "1"), 0)])
def test_serve_runs_its_processes_on_one_port_and_stops_on_sigterm(env, argv, processes):
    server, port = start(env, *argv)
    try:
        for _ in range(4 * max(processes, 1)):
            assert get(port, "/api/v1/openapi.json") == 200
        serving = children_of(server.pid)
        assert len(serving) == (processes if processes > 1 else 0)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert "门户已停止" in (server.stdout.read() if server.stdout else "")
        assert not any(os.path.exists(f"/proc/{pid}") for pid in serving)  # each stopped and reaped
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_port_in_use_is_refused_with_exit_code_2(env):
    server, port = start(env, "--processes", "2")
    try:
        environment = {**os.environ, "MEDREG_DATABASE_URL": env.database_url, "MEDREG_SECRET": env.secret}
        second = subprocess.run([*medreg_command(), "serve", "--host", "127.0.0.1", "--port", str(port)], env=environment,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2 and "端口已被占用" in second.stderr
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
