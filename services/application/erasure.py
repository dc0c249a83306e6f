"""Erasure: the owner's right to have their data deleted (UU PDP), for one document or everything they hold.

The original image is deleted from storage, the PII columns and the NIK hash are cleared, the document leaves
every waiting queue, and it is marked erased, after which it never moves again: a worker processing it right now
finds nothing to write, a late BULI2 decision changes nothing. What stays is a PII-free tombstone (id, type,
status, timestamps, reason codes, the audit trail with an "erased by its owner" event). Idempotent: erasing an
erased document does nothing more.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from services.platform.errors import FilotError

if TYPE_CHECKING:
    from services.adapters.database import DocumentRecord
    from services.wiring import Components

log = logging.getLogger("filot.erasure")


def erase_document(components: Components, record: DocumentRecord, *, actor: str) -> bool:
    """Erase one document; False when it was erased already. A storage failure raises (nothing is marked erased,
    so the owner can retry)."""
    if record.erased_at is not None:
        return False
    components.queue.forget(record.id)
    store = components.store
    if record.image_deleted_at is None:
        try:
            components.objects.delete(record.object_key)
        except FilotError:
            log.error("erasure of doc=%s stopped: the image could not be deleted", record.id)
            raise
        # Recorded, so retention's image pass never picks the erased document up again.
        store.mark_image_deleted(record.id, actor=actor, detail="original image deleted at its owner's request")
    store.erase_pii(record.id, actor=actor, detail="personal data erased at its owner's request")
    store.mark_erased(record.id, actor=actor)
    log.info("erased doc=%s by its owner", record.id)
    return True
