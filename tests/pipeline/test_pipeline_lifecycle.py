import pytest

from pipeline.errors import TransitionRefused, ValidationFailed
from pipeline.kinds import KINDS, get_kind
from pipeline.lifecycle import (
    OPEN_STATUSES, STATUS_LABELS, Actor, Status, after_verification, allowed, check,
    initial_status, is_open,
)

FIRST = "physician.first_registration"
ACTORS = [a.value for a in Actor]

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
    ("nurse.cancellation", "draft", "submitted", {"person", "institution"}),
    ("nurse.cancellation", "verifying", "awaiting_institution", {"system"}),
    ("nurse.cancellation", "verifying", "pending_approval", {"system"}),
    ("nurse.cancellation", "pending_approval", "withdrawn", {"person", "institution"}),
    ("physician.qualification_backfill", "approved", "issued", {"system"}),
    ("physician.qualification_backfill", "issued", "published", {"system"}),
    ("physician.qualification_backfill", "draft", "submitted", set()),
]


@pytest.mark.parametrize("kind,current,target,actors", CASES)
def test_transition_per_actor(kind, current, target, actors):
    for actor in ACTORS:
        assert allowed(kind, current, target, actor) is (actor in actors), actor
        if actor in actors:
            check(kind, current, target, actor)
        else:
            with pytest.raises(TransitionRefused):
                check(kind, current, target, actor)


def test_refusal_message_names_both_statuses():
    with pytest.raises(TransitionRefused) as info:
        check(FIRST, "published", "withdrawn", "person")
    assert "已公示" in info.value.message and "已撤回" in info.value.message


def test_unknown_kind_status_or_actor_is_refused():
    assert not allowed("nope", "draft", "submitted", "person")
    assert not allowed(FIRST, "nope", "submitted", "person")
    assert not allowed(FIRST, "draft", "submitted", "robot")


def test_labels_and_open_statuses():
    assert set(STATUS_LABELS) == set(Status)
    assert STATUS_LABELS["issued"] == "已赋码"
    assert OPEN_STATUSES == set(Status) - {
        Status.published, Status.rejected, Status.withdrawn, Status.verification_failed}
    assert is_open("pending_approval") and not is_open("published") and not is_open("x")


def test_initial_status_and_after_verification():
    assert initial_status(FIRST) == Status.submitted
    assert initial_status("physician.hmt_short_term_practice") == Status.approved
    assert after_verification(FIRST, "person") == Status.awaiting_institution
    assert after_verification("nurse.cancellation", "institution") == Status.pending_approval
    assert after_verification("institution.change", "institution") == Status.pending_approval


def test_kind_registry_is_complete():
    api_kinds = {
        "physician.first_registration", "physician.change", "physician.multi_site_filing",
        "physician.re_registration", "physician.info_change", "physician.departure_filing",
        "physician.cancellation", "nurse.first_registration", "nurse.change", "nurse.renewal",
        "nurse.re_registration", "nurse.cancellation", "nurse.info_change",
        "institution.practice_registration", "institution.change", "institution.verification",
        "institution.suspension", "institution.resumption", "institution.cancellation",
    }
    assert api_kinds <= set(KINDS)
    assert get_kind("physician.departure_filing").submitted_by == "institution"
    assert not get_kind("nurse.info_change").commission_approves
    assert get_kind("nurse.cancellation").applicants == {"person", "institution"}
    assert all(k.counter == (k.submitted_by == "commission") for k in KINDS.values())
    with pytest.raises(ValidationFailed) as info:
        get_kind("physician.teleport")
    assert info.value.fields == {"kind": "不支持的业务类型：physician.teleport"}
