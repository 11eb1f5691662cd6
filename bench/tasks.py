"""How well batching works: the Celery tasks the workers ran, read from their INFO log lines.

Each task returns how many items it acted on, and Celery logs `Task NAME[ID] succeeded in Xs: RESULT`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SUCCEEDED = re.compile(r"Task (?P<name>[\w.]+)\[[^\]]+\] succeeded in (?P<seconds>[\d.e-]+)s: (?P<result>\d+)")


@dataclass
class TaskStats:
    messages: int = 0
    items: int = 0
    seconds: float = 0.0


def log_offsets(logs: list[Path]) -> dict[Path, int]:
    return {log: log.stat().st_size if log.exists() else 0 for log in logs}


def task_stats(offsets: dict[Path, int]) -> dict[str, TaskStats]:
    """Per task name, from each log's offset on: messages, items acted on, seconds spent."""
    stats: dict[str, TaskStats] = defaultdict(TaskStats)
    for log, offset in offsets.items():
        with open(log, "rb") as handle:
            handle.seek(offset)
            for line in handle.read().decode(errors="replace").splitlines():
                match = SUCCEEDED.search(line)
                if match:
                    entry = stats[match["name"].rsplit(".", 1)[-1]]
                    entry.messages += 1
                    entry.items += int(match["result"])
                    entry.seconds += float(match["seconds"])
    return dict(stats)
