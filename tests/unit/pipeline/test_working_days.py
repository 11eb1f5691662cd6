"""pipeline.working_days: the mainland calendar of pipeline/data/holidays.csv."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.working_days import Calendar, mainland_calendar

CAL = mainland_calendar()


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 9, 28), True),    # Monday
    (date(2026, 10, 1), False),   # National Day
    (date(2026, 10, 10), True),   # Saturday moved to a working day
    (date(2026, 10, 11), False),  # Sunday
    (date(2026, 2, 14), True),    # Saturday before the Spring Festival, worked
    (date(2026, 2, 23), False),   # last day of the Spring Festival holiday
    (date(2025, 10, 8), False),   # National Day and Mid-Autumn 2025
    (date(2025, 9, 28), True),    # Sunday worked
    (date(2027, 2, 8), False),    # statutory Spring Festival day 2027
    (date(2028, 1, 3), True),     # beyond the file: weekdays work
    (date(2028, 1, 1), False),    # beyond the file: a Saturday rests
])
def test_working_days_follow_the_holiday_file(day, working):
    assert CAL.is_working_day(day) is working


def test_adding_and_counting_working_days_across_national_day():
    start = date(2026, 9, 28)
    assert CAL.add_working_days(start, 7) == date(2026, 10, 13)  # 29, 30, 8, 9, 10 (Sat), 12, 13
    assert CAL.working_days_between(start, date(2026, 10, 12)) == 6
    assert CAL.working_days_between(start, start) == 0
    assert CAL.working_days_between(date(2026, 10, 12), start) == 0
    assert CAL.subtract_working_days(date(2026, 10, 12), 6) == start


def test_zero_and_negative_counts():
    start = date(2026, 10, 1)
    assert CAL.add_working_days(start, 0) == start
    assert CAL.subtract_working_days(start, 0) == start
    with pytest.raises(ValueError):
        CAL.add_working_days(start, -1)


def test_a_calendar_without_exceptions_is_monday_to_friday():
    plain = Calendar(frozenset(), frozenset())
    assert plain.add_working_days(date(2026, 10, 2), 1) == date(2026, 10, 5)  # Friday → Monday
    assert plain.working_days_between(date(2026, 10, 2), date(2026, 10, 9)) == 5


DAYS = st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 6, 30))


@given(start=DAYS, end=DAYS)
def test_counting_working_days_equals_looking_at_each_day(start, end):
    """The count (weekdays, less weekday holidays, plus weekend days worked) against the definition, day by day,
    over spans before, across and after the holiday file's years."""
    looked = sum(1 for offset in range(1, (end - start).days + 1) if CAL.is_working_day(start + timedelta(days=offset)))
    assert CAL.working_days_between(start, end) == looked


@given(start=DAYS, extra=st.sets(DAYS, max_size=8), off=st.sets(DAYS, max_size=8), span=st.integers(0, 400))
def test_counting_holds_for_any_calendar_even_a_day_both_worked_and_off(start, extra, off, span):
    calendar = Calendar(frozenset(off), frozenset(extra))
    end = start + timedelta(days=span)
    looked = sum(1 for offset in range(1, span + 1) if calendar.is_working_day(start + timedelta(days=offset)))
    assert calendar.working_days_between(start, end) == looked
