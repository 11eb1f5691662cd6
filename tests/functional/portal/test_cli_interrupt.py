"""Ctrl-C or `kill` on `medreg import`: the command says 已中断 and exits 130, with no traceback from it, its forkserver
or its workers, and leaves no process behind — whether it comes while the command loads, while the workers start or
while they clean."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import migrated_database
from tests.functional.portal.test_serve import children_of as children

pytestmark = pytest.mark.functional


STARTED: list[subprocess.Popen] = []


def medreg(env: dict[str, str], *argv: str) -> subprocess.Popen:
    """The command in a session of its own, Ctrl-C handled as on a terminal (not ignored, as a background job's is)."""
    return started([sys.executable, "-m", "portal.cli", *argv], env)


def started(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    STARTED.append(process)
    return process


@pytest.fixture(autouse=True)
def nothing_left_running():
    """Whatever a failed test left of its command (a hung one: the code these tests replaced could hang) is killed."""
    yield
    while STARTED:
        process = STARTED.pop()
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()


@pytest.fixture(scope="module")
def country(tmp_path_factory) -> Iterator[tuple[dict[str, str], Path]]:
    """A 1 % country's physicians file (48,000 rows: seconds of cleaning), its institutions loaded."""
    directory = tmp_path_factory.mktemp("country")
    with migrated_database(f"medreg_interrupt_{uuid.uuid4().hex[:10]}") as url:
        env = {**os.environ, "MEDREG_DATABASE_URL": url, "MEDREG_SECRET": "interrupt-test-secret"}
        env.pop("MEDREG_CHANNELS", None)
        for argv in (["generate", "--out", str(directory), "--scale", "0.01", "--seed", "3"],
                     ["import", "divisions", str(directory / "divisions.csv")],
                     ["import", "institutions", str(directory / "institutions.csv")]):
            process = medreg(env, *argv)
            output, _ = process.communicate(timeout=300)
            assert process.returncode == 0, output
        yield env, directory / "physicians.csv"


def wait_until(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.01)


def stopped(process: subprocess.Popen, number: int = signal.SIGINT, group: bool = True) -> str:
    """Ctrl-C to the command's whole process group, as a terminal sends it (or `number` to the command alone); what it
    printed, once every one of its processes is gone."""
    if group:
        os.killpg(process.pid, number)
    else:
        process.send_signal(number)
    output, _ = process.communicate(timeout=60)

    def group_gone() -> bool:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_until(group_gone, "end of the forkserver and the workers", 20)
    return output


def forkserver_of(process: subprocess.Popen) -> int | None:
    servers = [pid for pid in children(process.pid) if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return servers[0] if servers else None


def test_ctrl_c_while_the_workers_start(country):
    env, physicians = country
    process = medreg(env, "import", "physicians", str(physicians), "--workers", "2")
    wait_until(lambda: forkserver_of(process) is not None, "forkserver")  # it is still loading what the workers need
    output = stopped(process)
    assert process.returncode == 130 and "已中断" in output
    assert "Traceback" not in output and "Error" not in output, output


def test_ctrl_c_while_the_workers_clean(country):
    env, physicians = country
    process = medreg(env, "import", "physicians", str(physicians), "--workers", "2")
    wait_until(lambda: (server := forkserver_of(process)) is not None and len(children(server)) == 2, "workers")
    time.sleep(0.3)
    output = stopped(process)
    assert process.returncode == 130 and "已中断" in output
    assert "Traceback" not in output and "Error" not in output, output


def test_ctrl_c_while_the_command_loads(country):
    env, physicians = country
    script = Path(sys.executable).with_name("medreg")  # the installed script: its entry point, portal.command
    process = started([str(script), "import", "physicians", str(physicians)], env)
    time.sleep(0.2)  # the commands and the models take about a second to load
    output = stopped(process)
    assert process.returncode == 130 and output.strip() == "已中断", output


def test_kill_stops_it_as_ctrl_c_does(country):
    # SIGTERM (`kill`, a supervisor's stop) to the command alone: it stops its workers itself, and says so.
    env, physicians = country
    process = medreg(env, "import", "physicians", str(physicians), "--workers", "2")
    wait_until(lambda: (server := forkserver_of(process)) is not None and len(children(server)) == 2, "workers")
    time.sleep(0.3)
    output = stopped(process, signal.SIGTERM, group=False)
    assert process.returncode == 130 and output.strip() == "已中断", output
