"""Accepting a checked upload: validate what the client claims, record the document, queue it.

Both ways in, the multipart POST /v1/documents and the submit of a direct upload, end here, so a document is
recorded and queued the same way whichever way its bytes arrived.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading

import redis
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api.errors import ApiError
from services.api.uploads import CheckedUpload, check_upload
from services.core.lifecycle import Status
from services.core.model import DocType
from services.platform.settings import Settings
from services.wiring import Components

log = logging.getLogger("filot.api")

CLAIMED_NAME_MAX = 128
# What a card can print: ASCII letters, digits, spaces and a little punctuation. A claim is compared with the card,
# so anything else (newlines, NUL, ANSI escapes, bidi overrides, full-width or Arabic-Indic digits) can only be an
# attack on whoever displays it, or a claim that can never match.
_CLAIMED_NAME = re.compile(r"[A-Za-z0-9 .,'()/-]+")
_CLAIMED_NIK = re.compile(r"[0-9]{16}")


def parse_doc_type(value: str) -> DocType:
    try:
        return DocType(value.strip().lower())
    except ValueError:
        raise ApiError(422, "unknown_document_type", "type must be 'ktp' or 'npwp'") from None


def parse_claims(claimed_name: str | None, claimed_nik: str | None) -> tuple[str | None, str | None]:
    """The claims as stored: blank means none; a NIK is 16 ASCII digits, a name what a card can print."""
    if claimed_nik is not None and claimed_nik != "" and not _CLAIMED_NIK.fullmatch(claimed_nik):
        raise ApiError(422, "invalid_claimed_nik", "claimed_nik must be 16 digits 0-9")
    name = (claimed_name or "").strip(" ") or None
    if name is not None and len(name) > CLAIMED_NAME_MAX:
        raise ApiError(422, "invalid_claimed_name", f"claimed_name must be at most {CLAIMED_NAME_MAX} characters")
    if name is not None and not _CLAIMED_NAME.fullmatch(name):
        raise ApiError(
            422, "invalid_claimed_name", "claimed_name may hold only letters A-Z, digits, spaces and . , ' ( ) / -"
        )
    return name, claimed_nik or None


def check_within_slots(
    slots: threading.BoundedSemaphore, data: bytes, *, declared_type: str | None, settings: Settings
) -> CheckedUpload:
    """check_upload within one of the API's decode slots (app.state.decode_slots), whichever way the bytes came: a
    decode holds up to ~3 bytes a pixel (120 MB at the 40-megapixel cap), so the slots, not the thread pool's 40
    threads, bound an API task's decode memory. DocumentError for a refused file, as check_upload raises it."""
    with slots:
        return check_upload(
            data, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels, declared_type=declared_type
        )


def document_key(doc_id: str, extension: str) -> str:
    """Where a document's verified (re-encoded) image is stored and read by the workers and reviewers."""
    return f"documents/{doc_id}/original.{extension}"


async def record_and_enqueue(
    components: Components,
    *,
    doc_id: str,
    owner: str,
    doc_type: DocType,
    object_key: str,
    checked: CheckedUpload,
    claimed_name: str | None,
    claimed_nik: str | None,
    correlation_id: str,
    idempotency_key: str | None = None,
    idempotency_digest: str | None = None,
) -> Status:
    """Record the stored document as `uploaded`, then `queued`, then put it in the GPU queue (or start its
    workflow); the status it reached. `queued` is written before the push, so a worker that claims the id at once
    always finds it `queued` (it never waits for a late write). The database and Redis calls run in the thread
    pool: the event loop keeps answering other requests.

    A Redis outage leaves it `queued` in the database and in no queue: the reconciler pushes it once Redis is back
    (services/processes/reconciler.py, after FILOT_RECOVERY_GRACE_S).
    """
    settings = components.settings
    await run_in_threadpool(
        components.store.create,
        doc_id=doc_id,
        owner=owner,
        doc_type=doc_type.value,
        object_key=object_key,
        content_type=checked.content_type,
        size_bytes=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        correlation_id=correlation_id,
        claimed_name=claimed_name,
        claimed_nik=claimed_nik,
        idempotency_key=idempotency_key,
        idempotency_digest=idempotency_digest,
    )
    log.info("document uploaded type=%s bytes=%d", doc_type.value, len(checked.data), extra={"doc_id": doc_id})
    if settings.workflow_engine == "temporal":
        from services.workflows.client import start_verification

        await start_verification(settings, doc_id)
        await run_in_threadpool(_queued, components, doc_id, correlation_id)
        return Status.QUEUED
    await run_in_threadpool(_queued, components, doc_id, correlation_id)
    try:
        await run_in_threadpool(components.queue.enqueue_gpu, doc_id)
    except redis.RedisError as exc:
        # Stored and recorded `queued`: the reconciler pushes it once Redis is back; the upload is not lost.
        log.error("enqueue failed doc=%s error=%s", doc_id, exc, extra={"doc_id": doc_id})
    return Status.QUEUED


def _queued(components: Components, doc_id: str, correlation_id: str) -> None:
    components.store.transition(doc_id, Status.QUEUED, actor="api", correlation_id=correlation_id)


def accepted(doc_id: str, status: Status, doc_type: DocType | str, correlation_id: str) -> JSONResponse:
    """202 with the document's id, status and where to read it."""
    return JSONResponse(
        {"id": doc_id, "status": status.value, "type": DocType(doc_type).value, "correlation_id": correlation_id},
        status_code=202,
        headers={"Location": f"/v1/documents/{doc_id}"},
    )
