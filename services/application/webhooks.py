"""The result webhook: every final decision pushed to the client's endpoint (FILOT_WEBHOOK_URL), signed.

The body carries the decision, the score, the reasons' codes and points and the per-field OCR confidence — never
a field's value, a claim or a reason's detail (which can quote one). It is signed as BULI2 signs its callbacks to
us: `X-Signature: sha256=HMAC(FILOT_WEBHOOK_KEY, "<X-Timestamp>." + body)`; `Idempotency-Key: <document>:<status>`
lets the client drop a repeat. The first attempt is made when the decision is published; if it fails, the
scheduled function retries with exponential backoff (1, 2, 4 ... minutes, at most an hour apart) up to
FILOT_WEBHOOK_ATTEMPTS, then gives up: the document is a webhook dead letter (filot.webhook.dead_letters, alarmed),
and `python -m services webhooks redrive` sends them again. The database holds the delivery state, so a flushed
Redis or a restarted process loses none.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from services.core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from services.platform.metrics import SCHEDULER_NAMESPACE, WEBHOOK_DEAD_LETTERS, WEBHOOK_FAILURES, emit

if TYPE_CHECKING:
    from services.adapters.database import DocumentRecord
    from services.wiring import Components

log = logging.getLogger("filot.webhooks")
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
MAX_BACKOFF = timedelta(hours=1)
EVENT = "document.decided"


def webhook_payload(record: DocumentRecord) -> dict[str, Any]:
    return {
        "event": EVENT,
        "document_id": record.id,
        "type": record.doc_type,
        "status": record.status.value,
        "decision": record.decision,
        "score": record.score,
        "reasons": [
            {key: reason.get(key) for key in ("code", "points", "max_points", "blocking")}
            for reason in record.reasons or []
        ],
        "field_confidence": record.field_confidence or {},
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
        "correlation_id": record.correlation_id,
    }


def start_webhook(components: Components, record: DocumentRecord) -> None:
    """Called once a final decision is published: mark the webhook pending and make the first attempt."""
    if not components.settings.webhook_url or record.webhook_state is not None:
        return
    now = datetime.now(UTC)
    components.store.set_webhook(record.id, state=PENDING, attempts=0, next_at=now)
    pending = replace(record, webhook_state=PENDING, webhook_attempts=0, webhook_next_at=now)
    attempt(components, pending, now=now, count_failure=False)


def attempt(components: Components, record: DocumentRecord, *, now: datetime, count_failure: bool = True) -> bool:
    """One delivery; the state moves to delivered, stays pending with the next attempt due, or becomes dead."""
    settings = components.settings
    attempts = record.webhook_attempts + 1
    error = _post(settings.webhook_url or "", settings.webhook_key, record, timeout_s=settings.webhook_timeout_s)
    if error is None:
        components.store.set_webhook(record.id, state=DELIVERED, attempts=attempts, next_at=None)
        log.info("webhook delivered doc=%s attempt=%d", record.id, attempts)
        return True
    if count_failure:
        emit(SCHEDULER_NAMESPACE, WEBHOOK_FAILURES, 1)
    if attempts >= settings.webhook_attempts:
        components.store.set_webhook(record.id, state=DEAD, attempts=attempts, next_at=None)
        log.error("webhook given up doc=%s after %d attempts: %s", record.id, attempts, error, extra={"code": "webhook_dead"})
        return False
    backoff = min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)
    components.store.set_webhook(record.id, state=PENDING, attempts=attempts, next_at=now + backoff)
    log.warning("webhook failed doc=%s attempt=%d: %s; next in %s", record.id, attempts, error, backoff)
    return False


def deliver_due(components: Components, *, now: datetime, limit: int = 100) -> dict[str, int]:
    """The scheduled function's pass: retry what is due, then publish how many are dead."""
    delivered = failed = 0
    if components.settings.webhook_url:
        for record in components.store.webhook_due(now=now, limit=limit):
            if attempt(components, record, now=now):
                delivered += 1
            else:
                failed += 1
    dead = components.store.webhook_dead_letters()
    emit(SCHEDULER_NAMESPACE, WEBHOOK_DEAD_LETTERS, dead)
    return {"delivered": delivered, "failed": failed, "dead": dead}


def _post(url: str, key: str, record: DocumentRecord, *, timeout_s: float) -> str | None:
    """None when the client answered 2xx, else what went wrong (no body, no key in it)."""
    body = json.dumps(webhook_payload(record), separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(key, timestamp=timestamp, body=body),
        "Idempotency-Key": f"{record.id}:{record.status.value}",
        "X-Filot-Event": EVENT,
    }
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
