"""appeal: the owner of an automatically rejected document asks for a person to decide (UU PDP art. 10).

Once per document, and only against an automatic rejection: a document a person has decided (or is deciding)
cannot be appealed, and the person's decision on an appeal is final. The document goes back to needs_review and
is escalated to BULI2 like a middle-band one, with the owner's note; if BULI2 cannot be reached, it waits in the
BULI2 retry queue as any escalation does.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.application.effects import escalate
from services.core.lifecycle import Status
from services.platform.errors import FilotError
from services.platform.logs import bind
from services.platform.metrics import APPEALS, BACKEND_NAMESPACE, emit

if TYPE_CHECKING:
    from services.adapters.buli2 import Buli2Client
    from services.adapters.database import DocumentRecord
    from services.wiring import Components

log = logging.getLogger("filot.appeals")
# Statuses a person has touched: an appeal would be a second review.
REVIEWED = frozenset({Status.NEEDS_REVIEW.value, Status.ESCALATED.value})


class AppealRefused(FilotError):
    """An appeal the rules do not allow; ``code`` says which rule."""


def appeal(
    components: Components, buli2: Buli2Client, record: DocumentRecord, *, note: str | None
) -> DocumentRecord:
    """Send an automatically rejected document to a person; the record as it stands after."""
    store = components.store
    if record.status is not Status.REJECTED:
        raise AppealRefused(f"only a rejected document can be appealed; this one is {record.status}", code="not_rejected")
    if record.appealed_at is not None or any(
        event["to_status"] in REVIEWED for event in store.history(record.id)
    ):
        raise AppealRefused("a person has decided this document; that decision is final", code="already_reviewed")
    moved = store.transition(
        record.id,
        Status.NEEDS_REVIEW,
        actor=f"user:{record.owner}",
        correlation_id=record.correlation_id,
        detail="appeal of an automatic rejection",
        appealed_at=datetime.now(UTC),
        appeal_note=note or None,
        decision=None,
    )
    if not moved:  # appealed (or changed) by another request a moment ago
        raise AppealRefused("this document was appealed already", code="already_reviewed")
    emit(BACKEND_NAMESPACE, APPEALS, 1)
    with bind(correlation_id=record.correlation_id, doc_id=record.id):
        log.info("appeal doc=%s: to a person", record.id)
    appealed = store.get(record.id)
    if appealed is None:  # rows are never deleted (erasure leaves a tombstone); a store that lost it answers so
        raise AppealRefused("this document is gone", code="document_not_found")
    escalate(components, buli2, appealed, actor="appeal")
    return store.get(record.id) or appealed
