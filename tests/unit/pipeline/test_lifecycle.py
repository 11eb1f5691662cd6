"""pipeline.lifecycle: statuses, and which actor may move an application of each kind from one status to another."""

import pytest

from pipeline.errors import TransitionRefused, ValidationFailed
from pipeline.kinds import KINDS
from pipeline.lifecycle import (
    OPEN_STATUSES,
    STATUS_LABELS,
    WITHDRAWABLE,
    Actor,
    Status,
    after_verification,
    allowed,
    check,
    initial_status,
    is_open,
    label,
    transitions,
)

FIRST = "physician.first_registration"
ACTORS = [a.value for a in Actor]
COUNTER = ["physician.qualification_backfill", "physician.hmt_qualification_recognition",
           "physician.hmt_short_term_practice", "physician.foreign_short_term_practice", "nurse.pre2008_first_registration"]

# (kind, current, target, the only actors allowed)
CASES = [
    (FIRST, "draft", "submitted", {"person"}),
    (FIRST, "submitted", "verifying", {"system"}),
    (FIRST, "verifying", "awaiting_institution", {"system"}),
    (FIRST, "verifying", "verification_failed", {"system"}),
    (FIRST, "verifying", "pending_approval", set()),
    (FIRST, "awaiting_institution", "pending_approval", {"institution"}),
    (FIRST, "awaiting_institution", "returned", {"institution"}),
    (FIRST, "returned", "submitted", {"person"}),
    (FIRST, "pending_approval", "approved", {"commission"}),
    (FIRST, "pending_approval", "rejected", {"commission"}),
    (FIRST, "pending_approval", "returned", {"commission"}),
    (FIRST, "approved", "issued", {"system"}),
    (FIRST, "issued", "published", {"system"}),
    (FIRST, "draft", "withdrawn", {"person"}),
    (FIRST, "submitted", "withdrawn", {"person"}),
    (FIRST, "verifying", "withdrawn", {"person"}),
    (FIRST, "awaiting_institution", "withdrawn", {"person"}),
    (FIRST, "returned", "withdrawn", {"person"}),
    (FIRST, "pending_approval", "withdrawn", {"person"}),
    (FIRST, "approved", "withdrawn", set()),
    (FIRST, "verification_failed", "withdrawn", set()),
    (FIRST, "verification_failed", "submitted", set()),
    (FIRST, "submitted", "approved", set()),
    (FIRST, "published", "withdrawn", set()),
    (FIRST, "rejected", "approved", set()),
    ("institution.change", "draft", "submitted", {"institution"}),
    ("institution.change", "verifying", "pending_approval", {"system"}),
    ("institution.change", "verifying", "awaiting_institution", set()),
    ("institution.change", "returned", "submitted", {"institution"}),
    ("institution.change", "pending_approval", "withdrawn", {"institution"}),
    ("physician.departure_filing", "draft", "submitted", {"institution"}),
    ("physician.departure_filing", "verifying", "pending_approval", {"system"}),
    ("physician.info_change", "awaiting_institution", "approved", {"institution"}),
    ("physician.info_change", "awaiting_institution", "pending_approval", set()),
    ("physician.info_change", "pending_approval", "approved", set()),
    ("nurse.info_change", "awaiting_institution", "approved", {"institution"}),
    ("nurse.cancellation", "draft", "submitted", {"person", "institution"}),
    ("nurse.cancellation", "verifying", "awaiting_institution", {"system"}),
    ("nurse.cancellation", "verifying", "pending_approval", {"system"}),
    ("nurse.cancellation", "pending_approval", "withdrawn", {"person", "institution"}),
    ("nurse.renewal", "awaiting_institution", "pending_approval", {"institution"}),
    ("physician.qualification_backfill", "approved", "issued", {"system"}),
    ("physician.qualification_backfill", "issued", "published", {"system"}),
    ("physician.qualification_backfill", "draft", "submitted", set()),
    ("physician.qualification_backfill", "submitted", "verifying", set()),
    ("physician.qualification_backfill", "verifying", "verification_failed", set()),
]


@pytest.mark.parametrize(("kind", "current", "target", "actors"), CASES)
def test_transition_per_actor(kind, current, target, actors):
    for actor in ACTORS:
        assert allowed(kind, current, target, actor) is (actor in actors), actor
        if actor in actors:
            check(kind, current, target, actor)
        else:
            with pytest.raises(TransitionRefused):
                check(kind, current, target, actor)


@pytest.mark.parametrize("kind", COUNTER)
def test_counter_business_only_moves_from_approved_to_published(kind):
    assert dict(transitions(kind)) == {
        (Status.approved, Status.issued): frozenset({"system"}), (Status.issued, Status.published): frozenset({"system"})}


def test_transitions_are_read_only():
    with pytest.raises(TypeError):
        transitions(FIRST)[(Status.draft, Status.published)] = frozenset({"person"})
    assert not allowed(FIRST, "draft", "published", "person")


def test_refusal_message_names_both_statuses():
    with pytest.raises(TransitionRefused) as info:
        check(FIRST, "published", "withdrawn", "person")
    assert info.value.message == "当前状态为“已公示”，不能变更为“已撤回”"


def test_unknown_kind_status_or_actor_is_refused():
    assert not allowed("nope", "draft", "submitted", "person")
    assert not allowed(FIRST, "nope", "submitted", "person")
    assert not allowed(FIRST, "draft", "nope", "person")
    assert not allowed(FIRST, "draft", "submitted", "robot")
    with pytest.raises(TransitionRefused):
        check("nope", "draft", "submitted", "person")
    with pytest.raises(ValidationFailed):
        transitions("nope")


def test_labels_and_open_statuses():
    assert set(STATUS_LABELS) == set(Status)
    assert STATUS_LABELS["issued"] == "已赋码"
    assert label("pending_approval") == "待审批" and label("odd") == "odd"
    assert set(Status) - {Status.published, Status.rejected, Status.withdrawn, Status.verification_failed} == OPEN_STATUSES
    assert OPEN_STATUSES - {Status.approved, Status.issued} == WITHDRAWABLE
    assert is_open("pending_approval") and not is_open("published") and not is_open("x")


def test_initial_status_and_after_verification():
    assert initial_status(FIRST) == Status.submitted
    assert initial_status("institution.change") == Status.submitted
    assert {initial_status(kind) for kind in COUNTER} == {Status.approved}
    assert after_verification(FIRST, "person") == Status.awaiting_institution
    assert after_verification("nurse.cancellation", "person") == Status.awaiting_institution
    assert after_verification("nurse.cancellation", "institution") == Status.pending_approval
    assert after_verification("institution.change", "institution") == Status.pending_approval
    assert after_verification("physician.departure_filing", "institution") == Status.pending_approval


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_no_kind_lets_an_actor_leave_a_closed_status(kind):
    closed = set(Status) - OPEN_STATUSES
    assert not [move for move in transitions(kind) if move[0] in closed]
