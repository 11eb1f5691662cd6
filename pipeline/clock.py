"""China Standard Time: the day and the hour as people in China read them.

Every date a person sees and every date written into a register (registered on, valid until, verified on)
is a day in Beijing, not in UTC: at 05:40 in Beijing it is still the day before in UTC. Moments are stored in
UTC (timestamps with a time zone) and shown in Beijing time; the API keeps ISO 8601 with the offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The present moment in Beijing time."""
    return datetime.now(CHINA)


def today() -> date:
    """Today's date in Beijing."""
    return now().date()


def in_china(moment: datetime) -> datetime:
    """`moment` in Beijing time (a naive moment is taken as UTC, as the database gives it on SQLite)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA)


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: datetime | None) -> str | None: ...
def iso(moment: datetime | None) -> str | None:
    """How the API and the public files give a moment: ISO 8601 in Beijing time, with its offset (+08:00)."""
    return in_china(moment).isoformat() if moment is not None else None


def day_of(moment: datetime) -> date:
    """The Beijing date of a moment."""
    return in_china(moment).date()


def start_of_day(day: date) -> datetime:
    """The first moment (in UTC) of a Beijing day."""
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC)


def shown(moment: datetime | str | None, seconds: bool = False) -> str:
    """How a page shows a moment: "YYYY-MM-DD HH:MM" in Beijing time ("" for none; ISO text is accepted)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return in_china(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
