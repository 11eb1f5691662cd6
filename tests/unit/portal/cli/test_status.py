"""What `medreg status` counts as down (exit 1) and what only as worth a look (exit 0): a relay that stopped
leaves the outbox waiting — down; a disclosure site that kept refusing leaves deliveries parked — a warning."""
from __future__ import annotations

from datetime import timedelta

from models.base import utcnow
from models.operations import Snapshot
from portal.cli.status import work


def judged(found: Snapshot) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    warnings: list[str] = []
    work(found, problems, warnings)
    return problems, warnings


def test_parked_deliveries_are_a_warning_not_a_failure():
    problems, warnings = judged(Snapshot(deliveries={"parked": 3, "pending": 1}))
    assert problems == [] and len(warnings) == 1 and "3 条公示推送已暂停" in warnings[0]


def test_an_outbox_waiting_over_five_minutes_is_a_failure():
    problems, warnings = judged(Snapshot(outbox_waiting=2, outbox_oldest_at=utcnow() - timedelta(minutes=6)))
    assert len(problems) == 1 and "medreg relay" in problems[0] and warnings == []
    assert judged(Snapshot(outbox_waiting=2, outbox_oldest_at=utcnow() - timedelta(seconds=30))) == ([], [])
