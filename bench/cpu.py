"""Where the CPU time goes: seconds per process type, read from /proc (Linux)."""
from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")
# Server processes of the machine, counted by name (system-wide: anything else using them counts too).
SERVERS = {"postgres": "postgresql", "beam.smp": "rabbitmq", "erl_child_setup": "rabbitmq", "epmd": "rabbitmq"}


@dataclass(frozen=True)
class ProcStat:
    pid: int
    comm: str
    pgrp: int
    seconds: float  # user + system of the process itself, plus its waited-for children


def read_stat(pid: int) -> ProcStat | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            raw = handle.read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ProcStat(pid, comm, int(fields[2]), (utime + stime + cutime + cstime) / TICKS)


def all_stats() -> list[ProcStat]:
    return [stat for name in os.listdir("/proc") if name.isdigit() and (stat := read_stat(int(name)))]


def sample(groups: dict[int, str]) -> dict[str, float]:
    """CPU seconds so far per label: `groups` maps a process-group id we started to its label."""
    totals: dict[str, float] = defaultdict(float)
    own = os.getpid()
    for stat in all_stats():
        if stat.pgrp in groups:
            totals[groups[stat.pgrp]] += stat.seconds
        elif stat.comm in SERVERS:
            totals[SERVERS[stat.comm]] += stat.seconds
        elif stat.pid == own:
            totals["bench client"] += stat.seconds
    return dict(totals)


def machine_busy() -> tuple[float, float]:
    """(busy seconds, total seconds) of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(x) for x in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / TICKS, total / TICKS


def difference(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {label: after[label] - before.get(label, 0.0) for label in after}
