"""pipeline.statistics: stage durations from an application's history, and their percentiles."""

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.statistics import STAGE_LABELS, percentile, stage_durations, summarise


def test_percentiles_interpolate_linearly():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([4, 1, 3, 2], 0.5) == 2.5  # order does not matter
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile([1, 2, 3, 4], 0) == 1 and percentile([1, 2, 3, 4], 1) == 4
    assert percentile([5], 0.9) == 5 and percentile([], 0.5) is None


T = datetime(2026, 1, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def test_stage_durations_from_a_history():
    events = [(at(0), "submitted"), (at(1), "verifying"), (at(3), "awaiting_institution"),
              (at(7), "pending_approval"), (at(8), "pending_approval"),
              (at(10), "returned"), (at(30), "submitted"),
              (at(31), "verifying"), (at(32), "pending_approval")]
    assert stage_durations(events) == [("verification", 3 * 3600), ("institution", 4 * 3600), ("commission", 3 * 3600),
                                       ("verification", 2 * 3600)]
    summary = {s["stage"]: (s["count"], s["median_hours"]) for s in summarise(stage_durations(events))}
    assert summary["verification"] == (2, 2.5) and summary["issue"] == (0, None)


def test_the_last_status_and_statuses_outside_any_stage_count_nothing():
    assert stage_durations([]) == [] == stage_durations([(at(0), "submitted")])
    assert stage_durations([(at(0), "returned"), (at(5), "withdrawn")]) == []
    assert stage_durations([(at(0), "approved"), (at(1), "issued"), (at(3), "published")]) == [
        ("issue", 3600), ("publication", 2 * 3600)]


def test_a_summary_lists_every_stage_in_order_with_labels_and_rounded_hours():
    summary = summarise([("commission", 1000), ("commission", 2000), ("commission", 4000)])
    stages = ["verification", "institution", "commission", "issue", "publication"]
    assert [s["stage"] for s in summary] == list(STAGE_LABELS) == stages
    commission = summary[2]
    assert commission == {"stage": "commission", "label": "卫健委审批", "count": 3, "median_hours": 0.56, "p90_hours": 1.0}
