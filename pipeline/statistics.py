"""Figures of the statistics 统计分析: processing time per stage, from an application's history."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import pairwise

# The stage an application is in while it has a status; the time of a stage is the time from the history
# row that entered it to the next history row.
STAGE_OF_STATUS: dict[str, str] = {
    "submitted": "verification",
    "verifying": "verification",
    "awaiting_institution": "institution",
    "pending_approval": "commission",
    "approved": "issue",
    "issued": "publication",
}

STAGE_LABELS: dict[str, str] = {
    "verification": "核验",
    "institution": "机构确认",
    "commission": "卫健委审批",
    "issue": "国家赋码",
    "publication": "公示",
}


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy's default and Excel's PERCENTILE.INC):
    the value at rank fraction·(n−1) of the sorted values. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def stage_durations(events: Iterable[tuple[datetime, str]]) -> list[tuple[str, float]]:
    """(stage, seconds) for each stage an application went through, from its history rows (at, to_status)
    in order. A stage entered twice (e.g. after a return and a resubmission) counts each time."""
    events = list(events)
    spans: dict[str, float] = {}
    result: list[tuple[str, float]] = []
    for (at, status), (next_at, next_status) in pairwise(events):
        stage = STAGE_OF_STATUS.get(status)
        if stage is None:
            continue
        # Consecutive statuses of one stage (submitted → verifying) add up to one span.
        spans[stage] = spans.get(stage, 0.0) + (next_at - at).total_seconds()
        if STAGE_OF_STATUS.get(next_status) != stage:
            result.append((stage, spans.pop(stage)))
    return result


def summarise(durations: Iterable[tuple[str, float]]) -> list[dict]:
    """Per stage, in pipeline order: how many, the median and the 90th percentile, in hours."""
    by_stage: dict[str, list[float]] = {stage: [] for stage in STAGE_LABELS}
    for stage, seconds in durations:
        by_stage[stage].append(seconds / 3600)
    return [
        {
            "stage": stage,
            "label": STAGE_LABELS[stage],
            "count": len(hours),
            "median_hours": _round(percentile(hours, 0.5)),
            "p90_hours": _round(percentile(hours, 0.9)),
        }
        for stage, hours in by_stage.items()
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- durations summarised as histograms (models/summaries.py): buckets 1 % wide ------------------------------------

BUCKET_RATIO = 1.01


def bucket_of(seconds: float) -> int:
    """The bucket of a duration: -1 for under a second, else floor(log_1.01(seconds)) (the same in SQL)."""
    if seconds < 1:
        return -1
    return math.floor(math.log(seconds) / math.log(BUCKET_RATIO))


def bucket_value(bucket: int) -> float:
    """The seconds a bucket stands for: its geometric middle (within 0.5 % of every duration in it)."""
    return 0.0 if bucket < 0 else BUCKET_RATIO ** (bucket + 0.5)


def histogram_percentile(counts: Sequence[tuple[int, int]], fraction: float) -> float | None:
    """percentile() of the durations a histogram [(bucket, count)…] holds, each taken at its bucket's value:
    the same interpolation between closest ranks. None for no durations."""
    ordered = sorted((bucket, count) for bucket, count in counts if count > 0)
    total = sum(count for _, count in ordered)
    if not total:
        return None
    rank = fraction * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    values: dict[int, float] = {}
    seen = 0
    for bucket, count in ordered:
        for position in (low, high):
            if position not in values and seen <= position < seen + count:
                values[position] = bucket_value(bucket)
        seen += count
        if high in values:
            break
    return values[low] + (values[high] - values[low]) * (rank - low)


def summarise_histograms(histograms: dict[str, list[tuple[int, int]]]) -> list[dict]:
    """summarise(), from a histogram per stage."""
    result = []
    for stage, label in STAGE_LABELS.items():
        counts = histograms.get(stage, [])
        median, p90 = histogram_percentile(counts, 0.5), histogram_percentile(counts, 0.9)
        result.append({"stage": stage, "label": label, "count": sum(count for _, count in counts),
                       "median_hours": _round(None if median is None else median / 3600),
                       "p90_hours": _round(None if p90 is None else p90 / 3600)})
    return result
