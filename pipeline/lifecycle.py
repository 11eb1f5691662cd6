"""The life of an application: statuses, actors and allowed transitions (docs/architecture.md, Life cycle)."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from types import MappingProxyType

from pipeline.errors import TransitionRefused
from pipeline.kinds import INSTITUTION, KINDS, Kind, get_kind


class Status(StrEnum):
    draft = "draft"
    submitted = "submitted"
    verifying = "verifying"
    verification_failed = "verification_failed"
    awaiting_institution = "awaiting_institution"
    returned = "returned"
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    issued = "issued"
    published = "published"
    withdrawn = "withdrawn"


class Actor(StrEnum):
    person = "person"
    institution = "institution"
    commission = "commission"
    system = "system"


STATUS_LABELS: dict[str, str] = {
    Status.draft: "草稿",
    Status.submitted: "已提交",
    Status.verifying: "核验中",
    Status.verification_failed: "核验未通过",
    Status.awaiting_institution: "待机构确认",
    Status.returned: "已退回",
    Status.pending_approval: "待审批",
    Status.approved: "已批准",
    Status.rejected: "未批准",
    Status.issued: "已赋码",
    Status.published: "已公示",
    Status.withdrawn: "已撤回",
}

OPEN_STATUSES: frozenset[Status] = frozenset(
    {
        Status.draft,
        Status.submitted,
        Status.verifying,
        Status.awaiting_institution,
        Status.returned,
        Status.pending_approval,
        Status.approved,
        Status.issued,
    }
)

WITHDRAWABLE: frozenset[Status] = frozenset(
    {
        Status.draft,
        Status.submitted,
        Status.verifying,
        Status.awaiting_institution,
        Status.returned,
        Status.pending_approval,
    }
)


def _applicant_moves(kind: Kind) -> dict[tuple[Status, Status], frozenset[str]]:
    applicants = kind.applicants
    moves = {
        (Status.draft, Status.submitted): applicants,
        (Status.returned, Status.submitted): applicants,
    }
    for status in WITHDRAWABLE:
        moves[(status, Status.withdrawn)] = applicants
    return moves


def _system_moves(kind: Kind) -> dict[tuple[Status, Status], frozenset[str]]:
    system = frozenset({Actor.system.value})
    moves = {
        (Status.submitted, Status.verifying): system,
        (Status.verifying, Status.verification_failed): system,
        (Status.approved, Status.issued): system,
        (Status.issued, Status.published): system,
    }
    if kind.institution_confirms:
        moves[(Status.verifying, Status.awaiting_institution)] = system
    if kind.commission_approves and (not kind.institution_confirms or INSTITUTION in kind.applicants):
        # A kind an institution may submit itself (a nurse's cancellation) skips the confirmation step then.
        moves[(Status.verifying, Status.pending_approval)] = system
    return moves


def _institution_moves(kind: Kind) -> dict[tuple[Status, Status], frozenset[str]]:
    if not kind.institution_confirms:
        return {}
    institution = frozenset({Actor.institution.value})
    confirmed = Status.pending_approval if kind.commission_approves else Status.approved
    return {
        (Status.awaiting_institution, confirmed): institution,
        (Status.awaiting_institution, Status.returned): institution,
    }


def _commission_moves(kind: Kind) -> dict[tuple[Status, Status], frozenset[str]]:
    if not kind.commission_approves:
        return {}
    commission = frozenset({Actor.commission.value})
    return {
        (Status.pending_approval, Status.approved): commission,
        (Status.pending_approval, Status.rejected): commission,
        (Status.pending_approval, Status.returned): commission,
    }


@cache
def transitions(kind: str) -> MappingProxyType[tuple[Status, Status], frozenset[str]]:
    """Every allowed (current, target) of a kind, with the actors allowed to make it."""
    kind_ = get_kind(kind)
    moves: dict[tuple[Status, Status], frozenset[str]] = {}
    if not kind_.counter:
        moves.update(_applicant_moves(kind_))
        moves.update(_institution_moves(kind_))
        moves.update(_commission_moves(kind_))
    moves.update(_system_moves(kind_))
    if kind_.counter:
        for key in [k for k in moves if k[0] not in (Status.approved, Status.issued)]:
            del moves[key]
    return MappingProxyType(moves)  # cached, so read-only


def allowed(kind: str, current: str, target: str, actor: str) -> bool:
    """Whether `actor` may move an application of `kind` from `current` to `target`."""
    if kind not in KINDS:
        return False
    try:
        key = (Status(current), Status(target))
    except ValueError:
        return False
    return actor in transitions(kind).get(key, frozenset())


def label(status: str) -> str:
    """The Chinese label of a status (the raw value if unknown)."""
    return STATUS_LABELS.get(status, str(status))


def check(kind: str, current: str, target: str, actor: str) -> None:
    """Raise TransitionRefused unless the transition is allowed."""
    if not allowed(kind, current, target, actor):
        raise TransitionRefused(
            f"当前状态为“{label(current)}”，不能变更为“{label(target)}”"
        )


def initial_status(kind: str) -> Status:
    """Counter business starts approved; every other kind starts submitted."""
    return Status.approved if get_kind(kind).counter else Status.submitted


def after_verification(kind: str, submitted_by: str) -> Status:
    """Where a verified application goes next, given who submitted it."""
    kind_ = get_kind(kind)
    if kind_.institution_confirms and submitted_by != Actor.institution:
        return Status.awaiting_institution
    return Status.pending_approval


def is_open(status: str) -> bool:
    """Whether an application in `status` is still in progress."""
    return status in OPEN_STATUSES
