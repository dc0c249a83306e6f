"""Accepting a checked upload: validate what the client claims, record the document, queue it.

Both ways in, the multipart POST /v1/documents and the submit of a direct upload, end here, so a document is
recorded and queued the same way whichever way its bytes arrived.
"""

from __future__ import annotations

import hashlib
import logging
import re

import redis
from fastapi.responses import JSONResponse

from services.api.errors import ApiError
from services.api.uploads import CheckedUpload
from services.core.lifecycle import Status
from services.core.model import DocType
from services.wiring import Components

log = logging.getLogger("filot.api")

CLAIMED_NAME_MAX = 128


def parse_doc_type(value: str) -> DocType:
    try:
        return DocType(value.strip().lower())
    except ValueError:
        raise ApiError(422, "unknown_document_type", "type must be 'ktp' or 'npwp'") from None


def parse_claims(claimed_name: str | None, claimed_nik: str | None) -> tuple[str | None, str | None]:
    """The claims as stored: blank means none; a NIK must be 16 digits."""
    if claimed_nik is not None and claimed_nik != "" and not re.fullmatch(r"\d{16}", claimed_nik):
        raise ApiError(422, "invalid_claimed_nik", "claimed_nik must be 16 digits")
    name = (claimed_name or "").strip() or None
    if name is not None and len(name) > CLAIMED_NAME_MAX:
        raise ApiError(422, "invalid_claimed_name", f"claimed_name must be at most {CLAIMED_NAME_MAX} characters")
    return name, claimed_nik or None


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
) -> Status:
    """Record the stored document as `uploaded`, then queue it (or start its workflow); the status it reached.

    A Redis outage leaves it `uploaded`: recorded, so the reconciler queues it once Redis is back.
    """
    settings = components.settings
    components.store.create(
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
    )
    log.info("document uploaded type=%s bytes=%d", doc_type.value, len(checked.data), extra={"doc_id": doc_id})
    if settings.workflow_engine == "temporal":
        from services.workflows.client import start_verification

        await start_verification(settings, doc_id)
        components.store.transition(doc_id, Status.QUEUED, actor="api", correlation_id=correlation_id)
        return Status.QUEUED
    try:
        components.queue.enqueue_gpu(doc_id)
    except redis.RedisError as exc:
        # Stored and recorded: the reconciler queues it once Redis is back; the upload is not lost.
        log.error("enqueue failed doc=%s error=%s", doc_id, exc, extra={"doc_id": doc_id})
        return Status.UPLOADED
    components.store.transition(doc_id, Status.QUEUED, actor="api", correlation_id=correlation_id)
    return Status.QUEUED


def accepted(doc_id: str, status: Status, doc_type: DocType | str, correlation_id: str) -> JSONResponse:
    """202 with the document's id, status and where to read it."""
    return JSONResponse(
        {"id": doc_id, "status": status.value, "type": DocType(doc_type).value, "correlation_id": correlation_id},
        status_code=202,
        headers={"Location": f"/v1/documents/{doc_id}"},
    )
