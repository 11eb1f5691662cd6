"""Working days 工作日 of the mainland calendar: Monday to Friday, less the public holidays, plus the
weekend days the State Council moves work to (调休上班). Data: pipeline/data/holidays.csv.

Outside the years the file covers, every Monday to Friday counts as a working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from pipeline.codes import _rows


@dataclass(frozen=True)
class Calendar:
    """Which days differ from the Monday-to-Friday rule."""

    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself not counted); `start` when count is 0."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; 0 when `end` is not after `start`."""
        if end <= start:
            return 0
        return sum(1 for offset in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=offset)))

    def subtract_working_days(self, end: date, count: int) -> date:
        """The latest day `start` with working_days_between(start, end) >= count."""
        if count <= 0:
            return end
        day, seen = end, 0
        while True:
            if self.is_working_day(day):
                seen += 1
            day -= timedelta(days=1)
            if seen == count:
                return day


@cache
def mainland_calendar() -> Calendar:
    """The calendar of pipeline/data/holidays.csv (2025–2027)."""
    rows = _rows("holidays.csv")
    return Calendar(
        holidays=frozenset(date.fromisoformat(row["date"]) for row in rows if row["kind"] == "holiday"),
        workdays=frozenset(date.fromisoformat(row["date"]) for row in rows if row["kind"] == "workday"),
    )
