"""Upload a document and read its outcome."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from typing import Annotated, Any

import redis
from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from services.adapters.database import DocumentRecord
from services.api.deps import CallerDep, ComponentsDep, LimitedUserDep
from services.api.errors import ApiError
from services.api.uploads import STATUS_FOR_CODE, check_upload
from services.core.lifecycle import Status
from services.core.model import DocType
from services.errors import DocumentError

log = logging.getLogger("filot.api")
router = APIRouter(prefix="/v1/documents", tags=["documents"])

@router.post("", status_code=202)
async def upload_document(
    components: ComponentsDep,
    user: LimitedUserDep,
    file: Annotated[UploadFile, File(description="JPEG or PNG photo of the card")],
    type: Annotated[str, Form(description="ktp or npwp")],
    claimed_name: Annotated[str | None, Form(max_length=128)] = None,
    claimed_nik: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    settings = components.settings
    try:
        doc_type = DocType(type.strip().lower())
    except ValueError:
        raise ApiError(422, "unknown_document_type", "type must be 'ktp' or 'npwp'") from None
    if claimed_nik is not None and claimed_nik != "" and not re.fullmatch(r"\d{16}", claimed_nik):
        raise ApiError(422, "invalid_claimed_nik", "claimed_nik must be 16 digits")
    data = await file.read(settings.max_upload_bytes + 1)
    try:
        checked = check_upload(
            data,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            declared_type=file.content_type,
        )
    except DocumentError as exc:
        raise ApiError(STATUS_FOR_CODE.get(exc.code, 400), exc.code, exc.message) from None
    data = checked.data  # the re-encoded image is what is stored and read

    doc_id = uuid.uuid4().hex
    correlation_id = uuid.uuid4().hex
    object_key = f"documents/{doc_id}/original.{checked.extension}"
    components.objects.put(object_key, data)
    components.store.create(
        doc_id=doc_id,
        owner=user,
        doc_type=doc_type.value,
        object_key=object_key,
        content_type=checked.content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        correlation_id=correlation_id,
        claimed_name=(claimed_name or "").strip() or None,
        claimed_nik=claimed_nik or None,
    )
    status = Status.UPLOADED
    if settings.workflow_engine == "temporal":
        from services.workflows.client import start_verification

        await start_verification(settings, doc_id)
        components.store.transition(doc_id, Status.QUEUED, actor="api", correlation_id=correlation_id)
        return _accepted(doc_id, Status.QUEUED, doc_type, correlation_id)
    try:
        components.queue.enqueue_gpu(doc_id)
    except redis.RedisError as exc:
        # Stored and recorded: the reconciler queues it once Redis is back; the upload is not lost.
        log.error("enqueue failed doc=%s error=%s", doc_id, exc)
    else:
        components.store.transition(doc_id, Status.QUEUED, actor="api", correlation_id=correlation_id)
        status = Status.QUEUED
    return _accepted(doc_id, status, doc_type, correlation_id)


def _accepted(doc_id: str, status: Status, doc_type: DocType, correlation_id: str) -> JSONResponse:
    return JSONResponse(
        {"id": doc_id, "status": status.value, "type": doc_type.value, "correlation_id": correlation_id},
        status_code=202,
        headers={"Location": f"/v1/documents/{doc_id}"},
    )


@router.get("/{doc_id}")
def read_document(doc_id: str, components: ComponentsDep, caller: CallerDep) -> dict[str, Any]:
    record = components.store.get(doc_id) if re.fullmatch(r"[0-9a-f]{32}", doc_id) else None
    # Someone else's document answers exactly like a missing one, so ids cannot be probed.
    if record is None or (caller.service is None and record.owner != caller.user):
        raise ApiError(404, "document_not_found", f"no document {doc_id}")
    view = document_view(record)
    events = components.store.history(record.id)
    view["history"] = [_event_in_full(e) for e in events] if caller.service else [_event_for_owner(e) for e in events]
    if caller.service:
        view["owner"] = record.owner
        view["correlation_id"] = record.correlation_id
    return view


def _event_in_full(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": event["at"].isoformat(),
        "from": event["from_status"],
        "to": event["to_status"],
        "actor": event["actor"],
        "detail": event["detail"],
        "correlation_id": event["correlation_id"],
    }


def _event_for_owner(event: dict[str, Any]) -> dict[str, Any]:
    """The owner sees what happened and whether a person decided, not who, nor internal details."""
    actor = str(event["actor"])
    by = "you" if actor.startswith("user:") else "reviewer" if actor.startswith("buli2:") else "automatic"
    return {"at": event["at"].isoformat(), "status": event["to_status"], "by": by}


def document_view(record: DocumentRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "type": record.doc_type,
        "status": record.status.value,
        "score": record.score,
        "decision": record.decision,
        "reasons": record.reasons or [],
        "fields": record.fields or {},
        "error": {"code": record.error_code, "message": record.error}
        if record.status is Status.FAILED
        else None,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
    }
