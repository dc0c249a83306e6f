"""The lifecycle of docs/design.md: only its arrows are allowed."""

from __future__ import annotations

import itertools

from services.core.lifecycle import TERMINAL, Status, may_enter


def test_the_happy_path_is_allowed() -> None:
    path = [Status.UPLOADED, Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW, Status.ESCALATED]
    for current, target in itertools.pairwise(path):
        assert may_enter(current, target), (current, target)
    assert may_enter(Status.ESCALATED, Status.APPROVED)
    assert may_enter(Status.SCORED, Status.REJECTED)


def test_decided_documents_cannot_be_decided_again() -> None:
    for final in (Status.APPROVED, Status.REJECTED):
        for target in (Status.APPROVED, Status.REJECTED, Status.PROCESSING):
            assert not may_enter(final, target)
    assert not may_enter(Status.APPROVED, Status.NEEDS_REVIEW)


def test_only_a_rejection_can_go_back_to_a_person_the_owners_appeal() -> None:
    # services/application/appeal.py allows it once, against an automatic rejection only.
    assert may_enter(Status.REJECTED, Status.NEEDS_REVIEW)
    assert not may_enter(Status.FAILED, Status.NEEDS_REVIEW)


def test_no_shortcuts_past_scoring_or_review() -> None:
    assert not may_enter(Status.PROCESSING, Status.APPROVED)
    assert not may_enter(Status.NEEDS_REVIEW, Status.APPROVED)
    assert not may_enter(Status.QUEUED, Status.SCORED)


def test_terminal_states() -> None:
    assert {Status.APPROVED, Status.REJECTED, Status.FAILED} == TERMINAL
