"""pipeline.time_limits: each kind's time limit, site overrides, due dates and the markers as a due date nears."""

from datetime import date, timedelta

import pytest

from pipeline.errors import ValidationFailed
from pipeline.time_limits import DEFAULT_LIMIT, NEAR_DAYS, deadline, default_limits, latest_start, marker_for, parse_limits
from pipeline.working_days import mainland_calendar

CAL = mainland_calendar()


def test_defaults_come_from_each_kind():
    limits = default_limits()
    assert limits["nurse.change"] == 7
    assert limits["physician.first_registration"] == 20
    assert limits["institution.practice_registration"] == 30
    assert limits["institution.cancellation"] == 20
    # none where the commission does not approve: counter business, personal information
    assert set(limits) == {
        "physician.first_registration", "physician.change", "physician.multi_site_filing", "physician.re_registration",
        "physician.departure_filing", "physician.cancellation", "nurse.first_registration", "nurse.change",
        "nurse.renewal", "nurse.re_registration", "nurse.cancellation", "institution.practice_registration",
        "institution.change", "institution.verification", "institution.suspension", "institution.resumption",
        "institution.cancellation",
    }


def test_a_nurse_change_is_due_in_7_working_days_and_marked_as_it_nears():
    limits = default_limits()
    start = date(2026, 9, 28)
    on_due = deadline("nurse.change", start, date(2026, 10, 13), limits)
    assert (on_due.due, on_due.elapsed, on_due.remaining, on_due.marker) == (date(2026, 10, 13), 7, 0, "due_soon")
    assert on_due.label == "临近时限" and on_due.limit == 7 and on_due.started == start
    assert deadline("nurse.change", start, date(2026, 10, 14), limits).marker == "overdue"
    assert deadline("nurse.change", start, date(2026, 10, 14), limits).label == "已超时限"
    assert deadline("nurse.change", start, date(2026, 10, 9), limits).marker == "on_time"  # 4 elapsed, 3 remain
    assert deadline("nurse.change", start, date(2026, 10, 9), limits).label == "正常"
    assert deadline("nurse.change", start, date(2026, 10, 10), limits).marker == "due_soon"  # 5 elapsed
    assert [marker_for(7, n) for n in (4, 5, 7, 8)] == ["on_time", "due_soon", "due_soon", "overdue"]
    assert NEAR_DAYS == 2


def test_a_kind_without_a_limit_gets_the_default():
    start = date(2026, 9, 28)
    assert deadline("nurse.info_change", start, start, default_limits()).limit == DEFAULT_LIMIT == 20


def test_latest_start_agrees_with_the_marker():
    today = date(2026, 10, 14)
    for marker in ("due_soon", "overdue"):
        start = latest_start(today, 7, marker)
        assert marker_for(7, CAL.working_days_between(start, today)) in ({marker, "overdue"})
        later = start + timedelta(days=1)
        while not CAL.is_working_day(later):
            later += timedelta(days=1)
        assert CAL.working_days_between(later, today) < CAL.working_days_between(start, today)


def test_limits_are_overridden_per_kind():
    assert parse_limits("nurse.change=5, physician.change=10")["nurse.change"] == 5
    assert parse_limits(" nurse.change = 5 ; physician.change=10 ,")["physician.change"] == 10
    assert parse_limits("") == parse_limits(None) == default_limits()


@pytest.mark.parametrize(("raw", "reason"), [
    ("nurse.chnage=5", "未知的业务类型：nurse.chnage"),
    ("nurse.change=0", "nurse.change 的时限应为正整数个工作日"),
    ("nurse.change=-3", "nurse.change 的时限应为正整数个工作日"),
    ("nurse.change=five", "nurse.change 的时限应为正整数个工作日"),
    ("nurse.change", "nurse.change 的时限应为正整数个工作日"),
])
def test_bad_overrides_are_refused_naming_them(raw, reason):
    with pytest.raises(ValidationFailed) as info:
        parse_limits(raw)
    assert info.value.fields == {"time_limits": reason}
