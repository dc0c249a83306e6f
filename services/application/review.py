"""The human decision BULI2 sends back on an escalated document: the review flow's state machine, apart from HTTP.

The escalation itself goes out from services/application/effects.py (and again from the reconciler while BULI2 has not
answered); the callback route (services/api/routes/review.py) checks the signature and hands the decision here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from services.adapters.database import DocumentRecord
from services.application.effects import publish_final
from services.core.lifecycle import Status
from services.platform.errors import FilotError
from services.platform.metrics import BACKEND_NAMESPACE, DECISION, REVIEWS_DECIDED, emit
from services.wiring import Components

log = logging.getLogger("filot.api")


class ReviewConflict(FilotError):
    """The document is not (or no longer) waiting for a human decision."""

    code = "invalid_transition"


@dataclass(frozen=True)
class HumanReview:
    decision: Literal["approved", "rejected"]
    reviewer: str
    note: str | None = None


def apply_human_decision(
    components: Components, record: DocumentRecord, review: HumanReview, *, service: str
) -> dict[str, Any]:
    """Record the decision once (a repeat answers `duplicate`), or signal it to the workflow on the Temporal path;
    ReviewConflict when the document is not in review."""
    store = components.store
    if record.status.value == review.decision and record.decision == review.decision:
        log.info("review decision doc=%s decision=%s repeated; already recorded", record.id, review.decision)
        return {"id": record.id, "status": record.status.value, "duplicate": True}
    if components.settings.workflow_engine == "temporal":
        if record.status not in (Status.NEEDS_REVIEW, Status.ESCALATED):
            raise ReviewConflict(f"document is {record.status.value}, not in review")
        from services.workflows.activities import HumanDecision
        from services.workflows.client import signal_human_decision

        # The workflow records the decision (its update activity); the signal is kept even if it is early.
        signal_human_decision(components.settings, record.id, HumanDecision(review.decision, review.reviewer))
        log.info("review decision doc=%s decision=%s signalled to the workflow", record.id, review.decision)
        return {"id": record.id, "status": "signalled", "duplicate": False}
    if record.status is Status.NEEDS_REVIEW:
        # BULI2 holds the case, so the escalation happened; our own record of it was lost (e.g. a worker
        # died between the POST and the write). Record it now rather than refuse a human decision.
        store.transition(record.id, Status.ESCALATED, actor=service, correlation_id=record.correlation_id)
    elif record.status is not Status.ESCALATED:
        raise ReviewConflict(f"document is {record.status.value}, not escalated")
    moved = store.transition(
        record.id,
        Status(review.decision),
        actor=f"{service}:{review.reviewer}",
        correlation_id=record.correlation_id,
        detail=review.note,
        decision=review.decision,
    )
    if not moved:
        raise ReviewConflict("document changed state concurrently; retry")
    emit(BACKEND_NAMESPACE, REVIEWS_DECIDED, 1, dimensions={DECISION: review.decision})
    decided = store.get(record.id)
    if decided is not None:
        publish_final(components, decided)
    log.info("review decision doc=%s decision=%s", record.id, review.decision, extra={"decision": review.decision})
    return {"id": record.id, "status": review.decision, "duplicate": False}
