"""Time limits 办理时限 of the commission's approval step, per kind, in working days.

Defaults: each kind's `time_limit` in pipeline/kinds/ (with the rule it comes from); a site overrides them with
`MEDREG_TIME_LIMITS` or `medreg.time_limits` in the .ini, written `kind=days,kind=days`.
The clock starts on the day the application reaches the commission (待审批); an item is
`due_soon` from NEAR_DAYS working days before its due date, and `overdue` the working day after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.errors import ValidationFailed
from pipeline.kinds import KINDS
from pipeline.working_days import Calendar, mainland_calendar

DEFAULT_LIMIT = 20
NEAR_DAYS = 2

MARKER_LABELS = {"on_time": "正常", "due_soon": "临近时限", "overdue": "已超时限"}


def default_limits() -> dict[str, int]:
    return {name: kind.time_limit.working_days for name, kind in KINDS.items() if kind.time_limit is not None}


def parse_limits(raw: str | None) -> dict[str, int]:
    """`kind=days,kind=days` → the defaults with these replaced; a bad entry is refused naming it."""
    limits = default_limits()
    for part in (raw or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        kind, _, days = part.partition("=")
        kind, days = kind.strip(), days.strip()
        if kind not in KINDS:
            raise ValidationFailed({"time_limits": f"未知的业务类型：{kind}"})
        if not days.isdigit() or int(days) <= 0:
            raise ValidationFailed({"time_limits": f"{kind} 的时限应为正整数个工作日"})
        limits[kind] = int(days)
    return limits


@dataclass(frozen=True)
class Deadline:
    limit: int  # working days allowed
    started: date
    due: date
    elapsed: int  # working days gone since `started`, up to today
    marker: str  # on_time | due_soon | overdue

    @property
    def remaining(self) -> int:
        return self.limit - self.elapsed

    @property
    def label(self) -> str:
        return MARKER_LABELS[self.marker]


def deadline(kind: str, started: date, today: date, limits: dict[str, int], calendar: Calendar | None = None) -> Deadline:
    calendar = calendar or mainland_calendar()
    limit = limits.get(kind, DEFAULT_LIMIT)
    elapsed = calendar.working_days_between(started, today)
    return Deadline(limit, started, calendar.add_working_days(started, limit), elapsed, marker_for(limit, elapsed))


def marker_for(limit: int, elapsed: int) -> str:
    if elapsed > limit:
        return "overdue"
    if limit - elapsed <= NEAR_DAYS:
        return "due_soon"
    return "on_time"


def latest_start(today: date, limit: int, marker: str, calendar: Calendar | None = None) -> date:
    """The latest start day at which an item of `limit` is at least `marker` today (for filtering in SQL):
    due_soon from `limit - NEAR_DAYS` working days elapsed, overdue from `limit + 1`."""
    calendar = calendar or mainland_calendar()
    needed = limit + 1 if marker == "overdue" else max(limit - NEAR_DAYS, 0)
    return calendar.subtract_working_days(today, needed)
