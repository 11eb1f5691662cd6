"""Working days 工作日 of the mainland calendar: Monday to Friday, less the public holidays, plus the
weekend days the State Council moves work to (调休上班). Data: pipeline/data/holidays.csv.

Outside the years the file covers, every Monday to Friday counts as a working day.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property

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
        """Working days after `start` up to and including `end`; 0 when `end` is not after `start`.

        Counted, not walked day by day: the weekdays of the span, less the holidays on a weekday, plus the weekend
        days worked. An application waiting a year is one sum, not 365 looks (a workbench page shows 500)."""
        if end <= start:
            return 0
        return (_weekdays_through(end) - _weekdays_through(start) - _within(self._weekday_holidays, start, end)
                + _within(self._weekend_workdays, start, end))

    @cached_property
    def _weekday_holidays(self) -> list[date]:
        return sorted(day for day in self.holidays if day.weekday() < 5 and day not in self.workdays)

    @cached_property
    def _weekend_workdays(self) -> list[date]:
        return sorted(day for day in self.workdays if day.weekday() >= 5)

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


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday, ordinal 1) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _within(days: list[date], start: date, end: date) -> int:
    """How many of the sorted `days` lie after `start`, up to and including `end`."""
    return bisect_right(days, end) - bisect_right(days, start)


@cache
def mainland_calendar() -> Calendar:
    """The calendar of pipeline/data/holidays.csv (2025–2027)."""
    rows = _rows("holidays.csv")
    return Calendar(
        holidays=frozenset(date.fromisoformat(row["date"]) for row in rows if row["kind"] == "holiday"),
        workdays=frozenset(date.fromisoformat(row["date"]) for row in rows if row["kind"] == "workday"),
    )
