"""Upload a document and read its outcome."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from services.adapters.database import APPEAL_NOTE_MAX, DocumentRecord
from services.api.correlation import current_or_new_correlation_id
from services.api.deps import ComponentsDep, LimitedCallerDep, LimitedUserDep
from services.api.errors import ApiError
from services.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from services.api.idempotency import Claim, IdempotencyKeys, fingerprint, parse_key
from services.api.intake import (
    accepted,
    check_within_slots,
    document_key,
    parse_claims,
    parse_doc_type,
    record_and_enqueue,
)
from services.api.schemas import Accepted, OwnerDocument, OwnerEvent, ServiceDocument, ServiceEvent, error_responses
from services.api.uploads import STATUS_FOR_CODE, CheckedUpload
from services.application.appeal import AppealRefused, appeal
from services.application.erasure import erase_document
from services.core.identity import NIK_SEEN_FOR_OTHER_OWNER, OWNER_DETAIL
from services.core.lifecycle import Status
from services.core.scoring import CAPTURE_ADVICE
from services.platform.errors import DocumentError, FilotError
from services.platform.settings import Settings
from services.wiring import build_buli2

log = logging.getLogger("filot.api")
router = APIRouter(prefix="/v1/documents", tags=["documents"])
UPLOAD_FIELDS = ("file", "type", "claimed_name", "claimed_nik")

@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    summary="Upload a photo of a KTP or NPWP card; it is checked, stored and queued for verification",
)
async def upload_document(
    request: Request,
    components: ComponentsDep,
    user: LimitedUserDep,
    file: Annotated[UploadFile, File(description="JPEG or PNG photo of the card")],
    type: Annotated[str, Form(description="ktp or npwp")],
    claimed_name: Annotated[str | None, Form(max_length=128)] = None,
    claimed_nik: Annotated[str | None, Form()] = None,
    idempotency_key: Annotated[
        str | None,
        Header(alias=IDEMPOTENCY_HEADER, description="retry-safe: the same key answers the first document"),
    ] = None,
) -> JSONResponse:
    """Every step that costs CPU or waits on storage, the database or Redis runs in the thread pool, so one large
    upload never holds the event loop (and /health) for the seconds its decode takes."""
    settings = components.settings
    await refuse_repeated_fields(request)
    doc_type = parse_doc_type(type)
    name, nik = parse_claims(claimed_name, claimed_nik)
    key = parse_key(idempotency_key)
    data = await file.read(settings.max_upload_bytes + 1)
    claim, keys = None, IdempotencyKeys(components.queue.redis, components.store, prefix=settings.redis_prefix)
    if key is not None:
        claim = Claim(key, fingerprint(data, doc_type.value, name, nik))
        earlier = await run_in_threadpool(keys.earlier, user, claim)
        if earlier is not None:
            return accepted(earlier.id, earlier.status, earlier.doc_type, earlier.correlation_id or "")
    made = False
    try:
        checked = await run_in_threadpool(_checked, request.app.state.decode_slots, data, file.content_type, settings)
        doc_id = uuid.uuid4().hex
        correlation_id = current_or_new_correlation_id()  # the request's, so its log lines and the document's match
        object_key = document_key(doc_id, checked.extension)
        await run_in_threadpool(components.objects.put, object_key, checked.data)  # what is stored and read
        try:
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
                idempotency_key=claim.key if claim else None,
                idempotency_digest=claim.fingerprint if claim else None,
            )
        except IntegrityError:
            if claim is None:
                raise
            # The same key won a race through a Redis outage: the first document answers, this copy goes.
            earlier = await run_in_threadpool(keys.earlier, user, claim)
            if earlier is None:
                raise
            return accepted(earlier.id, earlier.status, earlier.doc_type, earlier.correlation_id or "")
        made = True
        return accepted(doc_id, status, doc_type, correlation_id)
    finally:
        if claim is not None and not made:
            await run_in_threadpool(keys.release, user, claim)


async def refuse_repeated_fields(request: Request) -> None:
    """Two `file` parts or two `type` fields are a confused or crafted client: the last one would win silently."""
    form = await request.form()  # parsed once; FastAPI's own parse is cached on the request
    for name in UPLOAD_FIELDS:
        if len(form.getlist(name)) > 1:
            raise ApiError(422, "duplicate_field", f"the form field {name!r} was sent more than once")


def _checked(slots: threading.BoundedSemaphore, data: bytes, declared: str | None, settings: Settings) -> CheckedUpload:
    try:
        return check_within_slots(slots, data, declared_type=declared, settings=settings)
    except DocumentError as exc:
        raise ApiError(STATUS_FOR_CODE.get(exc.code, 400), exc.code, exc.message) from None


@router.get(
    "/{doc_id}",
    response_model=OwnerDocument | ServiceDocument,
    responses=error_responses(401, 403, 404, 422, 429),
    summary="A document's outcome and history (the owner's own, or any for a service)",
)
def read_document(doc_id: str, components: ComponentsDep, caller: LimitedCallerDep) -> OwnerDocument | ServiceDocument:
    record = components.store.get(doc_id) if re.fullmatch(r"[0-9a-f]{32}", doc_id) else None
    # Someone else's document answers exactly like a missing one, so ids cannot be probed; so does one its owner
    # erased (a service still sees the PII-free tombstone).
    if record is None or (caller.service is None and (record.owner != caller.user or record.erased_at is not None)):
        raise ApiError(404, "document_not_found", "no such document")
    events = components.store.history(record.id)
    if caller.service:
        return ServiceDocument(
            **document_view(record, for_owner=False),
            history=[_event_in_full(e) for e in events],
            owner=record.owner,
            correlation_id=record.correlation_id,
        )
    return OwnerDocument(**document_view(record, for_owner=True), history=[event_for_owner(e) for e in events])


def _event_in_full(event: dict[str, Any]) -> ServiceEvent:
    return ServiceEvent(
        at=event["at"].isoformat(),
        from_status=event["from_status"],
        to=event["to_status"],
        actor=event["actor"],
        detail=event["detail"],
        correlation_id=event["correlation_id"],
    )


def event_for_owner(event: dict[str, Any]) -> OwnerEvent:
    """The owner sees what happened and whether a person decided, not who, nor internal details."""
    actor = str(event["actor"])
    by = "you" if actor.startswith("user:") else "reviewer" if actor.startswith("buli2:") else "automatic"
    return OwnerEvent(at=event["at"].isoformat(), status=event["to_status"], by=by)


def document_view(record: DocumentRecord, *, for_owner: bool) -> dict[str, Any]:
    """The fields both the owner and services see (full values: nobody else reads a document), except that an
    owner is not told which other account holds their NIK (a service caller and the reviewer are)."""
    reasons = [
        {**reason, "detail": OWNER_DETAIL} if for_owner and reason.get("code") == NIK_SEEN_FOR_OTHER_OWNER else reason
        for reason in record.reasons or []
    ]
    return {
        "id": record.id,
        "type": record.doc_type,
        "status": record.status.value,
        "score": record.score,
        "decision": record.decision,
        "reasons": reasons,
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


class AppealBody(BaseModel):
    """What the owner may tell the reviewer (optional)."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=APPEAL_NOTE_MAX)


@router.post(
    "/{doc_id}/appeal",
    status_code=202,
    response_model=OwnerDocument,
    responses=error_responses(400, 401, 403, 404, 409, 422, 429),
    summary="Ask for a person to decide an automatically rejected document (once; the person's decision is final)",
)
def appeal_document(
    doc_id: str, components: ComponentsDep, user: LimitedUserDep, body: AppealBody | None = None
) -> OwnerDocument:
    record = components.store.get(doc_id) if re.fullmatch(r"[0-9a-f]{32}", doc_id) else None
    if record is None or record.owner != user:
        raise ApiError(404, "document_not_found", "no such document")
    buli2 = build_buli2(components.settings)
    try:
        appealed = appeal(components, buli2, record, note=body.note if body else None)
    except AppealRefused as exc:
        raise ApiError(409, exc.code, exc.message) from None
    finally:
        buli2.close()
    events = components.store.history(appealed.id)
    return OwnerDocument(**document_view(appealed, for_owner=True), history=[event_for_owner(e) for e in events])


@router.delete(
    "/{doc_id}",
    status_code=204,
    responses=error_responses(401, 403, 404, 429, 503),
    summary="Erase a document: its image, its personal data and its NIK hash (idempotent; a PII-free record stays)",
)
def delete_document(doc_id: str, components: ComponentsDep, user: LimitedUserDep) -> Response:
    record = components.store.get(doc_id) if re.fullmatch(r"[0-9a-f]{32}", doc_id) else None
    if record is None or record.owner != user:
        raise ApiError(404, "document_not_found", "no such document")
    try:
        erase_document(components, record, actor=f"user:{user}")
    except FilotError as exc:
        raise ApiError(503, exc.code, "the image could not be deleted yet; nothing was erased, try again") from None
    return Response(status_code=204)
