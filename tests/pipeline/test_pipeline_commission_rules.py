"""Pure rules of the commission end: working days, time limits and markers, stage durations and percentiles,
and the audit chain."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pipeline.audit_chain import GENESIS, Sealed, chain_key, first_break, seal
from pipeline.errors import ValidationFailed
from pipeline.statistics import percentile, stage_durations, summarise
from pipeline.time_limits import deadline, default_limits, latest_start, marker_for, parse_limits
from pipeline.working_days import mainland_calendar

CAL = mainland_calendar()


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 9, 28), True),   # Monday
    (date(2026, 10, 1), False),  # National Day
    (date(2026, 10, 10), True),  # Saturday moved to a working day
    (date(2026, 10, 11), False),  # Sunday
    (date(2026, 2, 14), True),   # Saturday before the Spring Festival, worked
    (date(2026, 2, 23), False),  # last day of the Spring Festival holiday
    (date(2025, 10, 8), False),  # National Day and Mid-Autumn 2025
    (date(2025, 9, 28), True),   # Sunday worked
    (date(2027, 2, 8), False),   # statutory Spring Festival day 2027
    (date(2028, 1, 3), True),    # beyond the file: weekdays work
])
def test_working_days_follow_the_holiday_file(day, working):
    assert CAL.is_working_day(day) is working


def test_adding_and_counting_working_days_across_national_day():
    start = date(2026, 9, 28)
    assert CAL.add_working_days(start, 7) == date(2026, 10, 13)  # 29, 30, 8, 9, 10 (Sat), 12, 13
    assert CAL.working_days_between(start, date(2026, 10, 12)) == 6
    assert CAL.working_days_between(start, start) == 0
    assert CAL.subtract_working_days(date(2026, 10, 12), 6) == start


def test_a_nurse_change_is_due_in_7_working_days_and_marked_as_it_nears():
    limits = default_limits()
    assert limits["nurse.change"] == 7 and limits["physician.first_registration"] == 20
    start = date(2026, 9, 28)
    on_due = deadline("nurse.change", start, date(2026, 10, 13), limits)
    assert (on_due.due, on_due.elapsed, on_due.remaining, on_due.marker) == (date(2026, 10, 13), 7, 0, "due_soon")
    assert deadline("nurse.change", start, date(2026, 10, 14), limits).marker == "overdue"
    assert deadline("nurse.change", start, date(2026, 10, 9), limits).marker == "on_time"  # 4 elapsed, 3 remain
    assert deadline("nurse.change", start, date(2026, 10, 10), limits).marker == "due_soon"  # 5 elapsed
    assert [marker_for(7, n) for n in (4, 5, 7, 8)] == ["on_time", "due_soon", "due_soon", "overdue"]


def test_latest_start_agrees_with_the_marker():
    today = date(2026, 10, 14)
    for marker in ("due_soon", "overdue"):
        start = latest_start(today, 7, marker)
        assert marker_for(7, CAL.working_days_between(start, today)) in ({marker, "overdue"})
        later = start + timedelta(days=1)
        while not CAL.is_working_day(later):
            later += timedelta(days=1)
        assert CAL.working_days_between(later, today) < CAL.working_days_between(start, today)


def test_limits_are_overridden_per_kind_and_bad_overrides_refused():
    assert parse_limits("nurse.change=5, physician.change=10")["nurse.change"] == 5
    with pytest.raises(ValidationFailed):
        parse_limits("nurse.chnage=5")
    with pytest.raises(ValidationFailed):
        parse_limits("nurse.change=0")


def test_percentiles_interpolate_linearly():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile([5], 0.9) == 5 and percentile([], 0.5) is None


def test_stage_durations_from_a_history():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    events = [(t, "submitted"), (t + timedelta(hours=1), "verifying"), (t + timedelta(hours=3), "awaiting_institution"),
              (t + timedelta(hours=7), "pending_approval"), (t + timedelta(hours=8), "pending_approval"),
              (t + timedelta(hours=10), "returned"), (t + timedelta(hours=30), "submitted"),
              (t + timedelta(hours=31), "verifying"), (t + timedelta(hours=32), "pending_approval")]
    assert stage_durations(events) == [("verification", 3 * 3600), ("institution", 4 * 3600), ("commission", 3 * 3600),
                                       ("verification", 2 * 3600)]
    summary = {s["stage"]: (s["count"], s["median_hours"]) for s in summarise(stage_durations(events))}
    assert summary["verification"] == (2, 2.5) and summary["issue"] == (0, None)


def test_the_audit_chain_names_the_first_broken_entry():
    key = chain_key("secret")
    entries, previous = [], GENESIS
    for n in range(1, 4):
        content = {"id": n, "seq": n, "action": f"act{n}"}
        digest = seal(key, previous, content)
        entries.append(Sealed(n, n, content, previous, digest))
        previous = digest
    assert first_break(key, entries) is None
    changed = [entries[0], Sealed(2, 2, {"id": 2, "seq": 2, "action": "forged"}, entries[1].prev_hash, entries[1].hash), entries[2]]
    assert first_break(key, changed).id == 2
    assert first_break(key, [entries[0], entries[2]]).id == 3
    assert first_break(chain_key("another"), entries).id == 1
