"""The document lifecycle (docs/design.md, "Lifecycle"): which state each state may be entered from."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    UPLOADED = "uploaded"
    QUEUED = "queued"
    PROCESSING = "processing"
    SCORED = "scored"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    ESCALATED = "escalated"
    FAILED = "failed"


# target -> the states a conditional write may move from.
ALLOWED_FROM: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.UPLOADED, Status.PROCESSING, Status.FAILED}),
    Status.PROCESSING: frozenset({Status.QUEUED}),
    Status.SCORED: frozenset({Status.PROCESSING}),
    Status.APPROVED: frozenset({Status.SCORED, Status.ESCALATED}),
    Status.REJECTED: frozenset({Status.SCORED, Status.ESCALATED}),
    # From rejected: the owner's appeal of an automatic rejection (services/application/appeal.py), once.
    Status.NEEDS_REVIEW: frozenset({Status.SCORED, Status.REJECTED}),
    Status.ESCALATED: frozenset({Status.NEEDS_REVIEW}),
    Status.FAILED: frozenset({Status.PROCESSING, Status.QUEUED}),
}

TERMINAL: frozenset[Status] = frozenset({Status.APPROVED, Status.REJECTED, Status.FAILED})


def may_enter(current: Status, target: Status) -> bool:
    return current in ALLOWED_FROM.get(target, frozenset())
