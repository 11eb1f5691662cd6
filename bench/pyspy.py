"""Optional sampling profiles of the started processes during the timed run (py-spy, if installed)."""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

from bench.stack import PYTHON, ROOT, Started


def py_spy() -> str | None:
    beside = Path(PYTHON).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Profiles:
    """py-spy record on each process (and its forked children) until stopped; raw collapsed stacks per process.

    Only samples holding the GIL are kept (--gil), so waiting on PostgreSQL or RabbitMQ is left out: what remains
    is where the Python code spends CPU.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.running: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, processes: list[Started]) -> None:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for item in processes:
            name = item.log.stem
            output = self.out_dir / f"{name}.txt"
            argv = [binary, "record", "--pid", str(item.popen.pid), "--subprocesses", "--nonblocking", "--gil",
                    "--format", "raw", "--rate", "200", "--output", str(output)]
            popen = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            self.running.append((name, popen, output))

    def stop(self) -> list[tuple[str, Path]]:
        for _, popen, _ in self.running:
            popen.send_signal(signal.SIGINT)
        done = []
        for name, popen, output in self.running:
            try:
                popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
            if output.exists():
                done.append((name, output))
        self.running.clear()
        return done


FRAME = re.compile(r"^(?P<function>\S+) \((?P<file>[^:]+)")
PROJECT = ("workers/", "portal/", "models/", "publisher/", "pipeline/")


def summary(path: Path, top: int = 8) -> list[str]:
    """Where the CPU samples fall: the project's functions (inclusive) and the packages running (self)."""
    inclusive: Counter[str] = Counter()
    itself: Counter[str] = Counter()
    busy = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_short(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not count.isdigit() or not frames:
            continue
        busy += int(count)
        for frame in set(frames):
            if frame[1].startswith(PROJECT):
                inclusive[f"{frame[0]} ({frame[1]})"] += int(count)
        itself[frame_package(frames[-1][1])] += int(count)
    if not busy:
        return []
    lines = [f"{100 * n / busy:5.1f} %  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("self: " + ", ".join(f"{name} {100 * n / busy:.0f} %" for name, n in itself.most_common(6)))
    return lines


def frame_package(file: str) -> str:
    return file.split("/")[0].removesuffix(".py")


def _short(frame: str) -> tuple[str, str]:
    match = FRAME.match(frame)
    if not match:
        return frame[:60], ""
    file = match["file"]
    for marker in ("site-packages/", f"{ROOT}/", "lib/python3.11/", "lib/python3.12/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return match["function"], file
