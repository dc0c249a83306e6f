"""Side effects of a decision, each idempotent per document: the published result and the BULI2 escalation.

Both the workers and the reconciler call these, so a document whose worker died half-way gets the same
effects, once.
"""

from __future__ import annotations

import logging
import time

from services.adapters.buli2 import Buli2Client, Buli2Error
from services.adapters.database import DocumentRecord
from services.adapters.storage import PresigningStore
from services.application.webhooks import start_webhook
from services.core.lifecycle import TERMINAL, Status
from services.core.masking import mask_fields
from services.core.signing import sign_url
from services.platform.logs import bind
from services.wiring import Components

log = logging.getLogger("filot.effects")


def publish_final(components: Components, record: DocumentRecord) -> bool:
    """PUBLISH the final result once per (document, decision); False when it was already published.

    The database remembers what was published (it outlives a flushed Redis); a Redis marker stops two
    publishers racing. A crash between PUBLISH and the database write can still repeat one message.
    """
    if record.status not in TERMINAL or record.published == record.status.value:
        return False
    payload = {
        "document_id": record.id,
        "status": record.status.value,
        "score": record.score,
        "path": record.path,
        "correlationId": record.correlation_id,
    }
    with bind(correlation_id=record.correlation_id, doc_id=record.id):
        sent = components.queue.publish_final(record.id, record.status.value, payload)
        if sent:
            components.store.mark_published(record.id, record.status.value)
            log.info("published doc=%s status=%s", record.id, record.status.value, extra={"status": record.status.value})
            start_webhook(components, record)
    return sent


def image_url(components: Components, record: DocumentRecord) -> str:
    """A short-lived link to the original image for the reviewer (signed; expires after image_url_ttl_s).

    With S3/R2 storage it is a presigned GET on the bucket, so images do not flow through the API; with the
    local folder, a signed link to GET /v1/review/images/{id}.
    """
    settings = components.settings
    if isinstance(components.objects, PresigningStore):
        return components.objects.presigned_get(record.object_key, ttl_s=settings.image_url_ttl_s)
    path = f"/v1/review/images/{record.id}"
    expires = int(time.time()) + settings.image_url_ttl_s
    return f"{settings.api_url.rstrip('/')}{path}?{sign_url(settings.link_key, path=path, expires=expires)}"


def escalation_payload(components: Components, record: DocumentRecord) -> dict[str, object]:
    payload: dict[str, object] = {
        "image_url": image_url(components, record),
        "document_id": record.id,
        "doc_type": record.doc_type,
        "score": record.score,
        "reasons": record.reasons or [],
        "fields": mask_fields(record.fields or {}),
        "callback_url": f"{components.settings.api_url.rstrip('/')}/v1/review/callback",
        "correlation_id": record.correlation_id,
    }
    if record.appealed_at is not None:
        # The owner's appeal of an automatic rejection: the reviewer decides, and that decision is final.
        payload["appeal"] = {"at": record.appealed_at.isoformat(), "note": record.appeal_note or ""}
    return payload


def escalate(components: Components, buli2: Buli2Client, record: DocumentRecord, *, actor: str) -> bool:
    """POST a needs_review document to BULI2 (Idempotency-Key = document id) and mark it escalated.

    False when BULI2 cannot be reached: the document stays needs_review, waits in `<prefix>:buli2:queue`,
    and the dispatcher (each reconciler pass) delivers it once BULI2 is back.
    """
    with bind(correlation_id=record.correlation_id, doc_id=record.id):
        try:
            buli2.escalate(escalation_payload(components, record))
        except Buli2Error as exc:
            # Nothing is dropped: the escalation waits in the BULI2 retry queue for the dispatcher.
            components.queue.defer_escalation(record.id)
            log.error("escalation deferred doc=%s code=%s error=%s", record.id, exc.code, exc, extra={"code": exc.code})
            return False
        components.store.transition(record.id, Status.ESCALATED, actor=actor, correlation_id=record.correlation_id)
        log.info("escalated doc=%s to BULI2 score=%s by=%s", record.id, record.score, actor, extra={"actor": actor})
    return True
