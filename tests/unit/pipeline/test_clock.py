"""China Standard Time: 21:40 UTC is 05:40 the next morning in Beijing, and that is the day and hour people see."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pipeline import clock

LATE_UTC = datetime(2026, 12, 2, 21, 40, tzinfo=UTC)


def test_a_late_utc_evening_is_the_next_morning_in_beijing():
    assert clock.day_of(LATE_UTC) == date(2026, 12, 3)
    assert clock.in_china(LATE_UTC).utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(("moment", "seconds", "text"), [
    (LATE_UTC, False, "2026-12-03 05:40"),
    (LATE_UTC.replace(tzinfo=None), False, "2026-12-03 05:40"),  # a naive moment from SQLite is UTC
    ("2026-12-02T21:40:09+00:00", True, "2026-12-03 05:40:09"),  # ISO text from a stored JSON body
    (None, False, ""),
    ("", False, ""),
])
def test_a_page_shows_a_moment_in_beijing_time(moment, seconds, text):
    assert clock.shown(moment, seconds=seconds) == text


def test_a_beijing_day_starts_at_16_utc_the_day_before():
    assert clock.start_of_day(date(2026, 12, 3)) == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    assert clock.day_of(clock.start_of_day(date(2026, 12, 3))) == date(2026, 12, 3)


def test_today_is_the_beijing_date():
    assert clock.today() == datetime.now(UTC).astimezone(clock.CHINA).date()


@pytest.mark.parametrize(("moment", "text"), [
    (LATE_UTC, "2026-12-03T05:40:00+08:00"),
    (LATE_UTC.replace(tzinfo=None), "2026-12-03T05:40:00+08:00"),  # a naive moment from SQLite is UTC
    (None, None),
])
def test_the_api_gives_a_moment_in_beijing_time_with_its_offset(moment, text):
    assert clock.iso(moment) == text
    if text is not None:
        assert datetime.fromisoformat(text) == LATE_UTC  # the same moment, not a shifted one
