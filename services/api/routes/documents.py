"""Upload a document and read its outcome."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from services.adapters.database import DocumentRecord
from services.api.correlation import current_or_new_correlation_id
from services.api.deps import CallerDep, ComponentsDep, LimitedUserDep
from services.api.errors import ApiError
from services.api.intake import accepted, document_key, parse_claims, parse_doc_type, record_and_enqueue
from services.api.schemas import Accepted, OwnerDocument, OwnerEvent, ServiceDocument, ServiceEvent, error_responses
from services.api.uploads import STATUS_FOR_CODE, check_upload
from services.core.lifecycle import Status
from services.core.scoring import CAPTURE_ADVICE
from services.errors import DocumentError

log = logging.getLogger("filot.api")
router = APIRouter(prefix="/v1/documents", tags=["documents"])

@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=error_responses(400, 401, 403, 413, 415, 422, 429, 503),
    summary="Upload a photo of a KTP or NPWP card; it is checked, stored and queued for verification",
)
async def upload_document(
    components: ComponentsDep,
    user: LimitedUserDep,
    file: Annotated[UploadFile, File(description="JPEG or PNG photo of the card")],
    type: Annotated[str, Form(description="ktp or npwp")],
    claimed_name: Annotated[str | None, Form(max_length=128)] = None,
    claimed_nik: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    settings = components.settings
    doc_type = parse_doc_type(type)
    name, nik = parse_claims(claimed_name, claimed_nik)
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

    doc_id = uuid.uuid4().hex
    correlation_id = current_or_new_correlation_id()  # the request's, so its log lines and the document's match
    object_key = document_key(doc_id, checked.extension)
    components.objects.put(object_key, checked.data)  # the re-encoded image is what is stored and read
    status = await record_and_enqueue(
        components,
        doc_id=doc_id,
        owner=user,
        doc_type=doc_type,
        object_key=object_key,
        checked=checked,
        claimed_name=name,
        claimed_nik=nik,
        correlation_id=correlation_id,
    )
    return accepted(doc_id, status, doc_type, correlation_id)


@router.get(
    "/{doc_id}",
    response_model=OwnerDocument | ServiceDocument,
    responses=error_responses(401, 403, 404, 422),
    summary="A document's outcome and history (the owner's own, or any for a service)",
)
def read_document(doc_id: str, components: ComponentsDep, caller: CallerDep) -> OwnerDocument | ServiceDocument:
    record = components.store.get(doc_id) if re.fullmatch(r"[0-9a-f]{32}", doc_id) else None
    # Someone else's document answers exactly like a missing one, so ids cannot be probed.
    if record is None or (caller.service is None and record.owner != caller.user):
        raise ApiError(404, "document_not_found", f"no document {doc_id}")
    events = components.store.history(record.id)
    if caller.service:
        return ServiceDocument(
            **document_view(record),
            history=[_event_in_full(e) for e in events],
            owner=record.owner,
            correlation_id=record.correlation_id,
        )
    return OwnerDocument(**document_view(record), history=[_event_for_owner(e) for e in events])


def _event_in_full(event: dict[str, Any]) -> ServiceEvent:
    return ServiceEvent(
        at=event["at"].isoformat(),
        from_status=event["from_status"],
        to=event["to_status"],
        actor=event["actor"],
        detail=event["detail"],
        correlation_id=event["correlation_id"],
    )


def _event_for_owner(event: dict[str, Any]) -> OwnerEvent:
    """The owner sees what happened and whether a person decided, not who, nor internal details."""
    actor = str(event["actor"])
    by = "you" if actor.startswith("user:") else "reviewer" if actor.startswith("buli2:") else "automatic"
    return OwnerEvent(at=event["at"].isoformat(), status=event["to_status"], by=by)


def document_view(record: DocumentRecord) -> dict[str, Any]:
    """The fields both the owner and services see (full values: nobody else reads a document)."""
    return {
        "id": record.id,
        "type": record.doc_type,
        "status": record.status.value,
        "score": record.score,
        "decision": record.decision,
        "reasons": record.reasons or [],
        "capture": [
            {"code": reason["code"], "advice": CAPTURE_ADVICE[reason["code"]]}
            for reason in record.reasons or []
            if reason.get("code") in CAPTURE_ADVICE
        ],
        "fields": record.fields or {},
        "error": {"code": record.error_code, "message": record.error}
        if record.status is Status.FAILED
        else None,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
    }
