"""Direct uploads to S3/R2: a presigned PUT, then a submit that verifies the object before it becomes a document.

The lifecycle has no "waiting for its bytes" state, and a record without an object would be re-queued by the
reconciler, so until submit a pending upload lives in Redis only: `<prefix>:upload:{id}` (JSON: owner, type,
declared content type and size, claims, incoming key) expiring with the URL plus FILOT_UPLOAD_SUBMIT_GRACE_S.
The document record is created at submit, once the object has passed the same checks as a multipart upload.

The client PUTs to `incoming/{id}.{ext}`, never to the document's own key: the URL stays valid for its whole
lifetime, so a second PUT after submit must not replace the verified image the workers read. Abandoned uploads
stay under `incoming/` for the bucket's lifecycle rule to expire.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

import redis
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.adapters.storage import PresigningStore
from services.api.correlation import current_or_new_correlation_id
from services.api.deps import ComponentsDep, LimitedUserDep
from services.api.errors import ApiError
from services.api.intake import (
    CLAIMED_NAME_MAX,
    accepted,
    check_within_slots,
    document_key,
    parse_claims,
    parse_doc_type,
    record_and_enqueue,
)
from services.api.schemas import Accepted, error_responses
from services.api.uploads import STATUS_FOR_CODE, CheckedUpload
from services.platform.errors import DocumentError, FilotError
from services.platform.settings import Settings
from services.wiring import Components

log = logging.getLogger("filot.api")
P = ParamSpec("P")
T = TypeVar("T")
router = APIRouter(prefix="/v1/documents", tags=["direct uploads"])

# What may be declared, and the extension the stored object gets; the bytes are checked against it at submit.
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
# How long one submit holds a pending upload against a concurrent submit of the same id.
_SUBMIT_LOCK_S = 120


class UploadUrlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="ktp or npwp", max_length=16)
    content_type: str = Field(description="image/jpeg or image/png: the PUT must send exactly this", max_length=64)
    size_bytes: int = Field(description="the file's exact size: the PUT must send exactly this many bytes")
    claimed_name: str | None = Field(default=None, max_length=CLAIMED_NAME_MAX)
    claimed_nik: str | None = Field(default=None, max_length=32)


class UploadUrl(BaseModel):
    id: str
    upload_url: str
    method: str = "PUT"
    headers: dict[str, str] = Field(description="send exactly these headers with the PUT (they are signed)")
    expires_at: str = Field(description="ISO 8601 UTC; PUT before then, then POST /v1/documents/{id}/submit")


@dataclass(frozen=True)
class PendingUpload:
    owner: str
    doc_type: str
    content_type: str
    size_bytes: int
    incoming_key: str
    claimed_name: str | None
    claimed_nik: str | None


class PendingUploads:
    """Pending direct uploads in Redis, each expiring on its own, with a short lock per submit."""

    def __init__(self, connection: redis.Redis, *, prefix: str) -> None:
        self.redis = connection
        self.prefix = prefix

    def _key(self, doc_id: str) -> str:
        return f"{self.prefix}:upload:{doc_id}"

    def save(self, doc_id: str, pending: PendingUpload, *, ttl_s: int) -> None:
        self.redis.set(self._key(doc_id), json.dumps(asdict(pending)), ex=ttl_s)

    def load(self, doc_id: str) -> PendingUpload | None:
        raw = self.redis.get(self._key(doc_id))
        return PendingUpload(**json.loads(raw)) if raw else None

    def forget(self, doc_id: str) -> None:
        """Best effort: a pending entry left behind expires, and the record answers any repeat."""
        with suppress(redis.RedisError):
            self.redis.delete(self._key(doc_id))

    def lock(self, doc_id: str) -> bool:
        return bool(self.redis.set(f"{self._key(doc_id)}:submit", "1", nx=True, ex=_SUBMIT_LOCK_S))

    def unlock(self, doc_id: str) -> None:
        """Best effort: an unreleased lock expires after _SUBMIT_LOCK_S."""
        with suppress(redis.RedisError):
            self.redis.delete(f"{self._key(doc_id)}:submit")


def _pending_uploads(components: Components) -> PendingUploads:
    return PendingUploads(components.queue.redis, prefix=components.settings.redis_prefix)


def _presigning_store(components: Components) -> PresigningStore:
    store = components.objects
    if not isinstance(store, PresigningStore):
        raise ApiError(
            409,
            "direct_upload_unavailable",
            "direct uploads need S3/R2 storage (FILOT_STORAGE_URL=s3://...); send the file to POST /v1/documents",
        )
    return store


@router.post(
    "/upload-url",
    status_code=201,
    response_model=UploadUrl,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    summary="A short-lived presigned PUT URL for one JPEG or PNG of the declared type and size",
)
def create_upload_url(body: UploadUrlRequest, components: ComponentsDep, user: LimitedUserDep) -> UploadUrl:
    settings = components.settings
    store = _presigning_store(components)
    doc_type = parse_doc_type(body.type)
    claimed_name, claimed_nik = parse_claims(body.claimed_name, body.claimed_nik)
    content_type = body.content_type.split(";", 1)[0].strip().lower()
    if content_type not in _EXTENSIONS:
        raise ApiError(415, "unsupported_media_type", "content_type must be image/jpeg or image/png")
    if body.size_bytes < 1:
        raise ApiError(400, "empty_file", "size_bytes must be at least 1")
    if body.size_bytes > settings.max_upload_bytes:
        raise ApiError(413, "file_too_large", f"the file is larger than {settings.max_upload_bytes} bytes")

    doc_id = uuid.uuid4().hex
    incoming_key = f"incoming/{doc_id}.{_EXTENSIONS[content_type]}"
    ttl_s = settings.upload_url_ttl_s
    presigned = store.presigned_put(incoming_key, content_type=content_type, content_length=body.size_bytes, ttl_s=ttl_s)
    pending = PendingUpload(
        owner=user,
        doc_type=doc_type.value,
        content_type=content_type,
        size_bytes=body.size_bytes,
        incoming_key=incoming_key,
        claimed_name=claimed_name,
        claimed_nik=claimed_nik,
    )
    try:
        _pending_uploads(components).save(doc_id, pending, ttl_s=ttl_s + settings.upload_submit_grace_s)
    except redis.RedisError as exc:
        log.error("pending upload not saved error=%s", type(exc).__name__)
        raise ApiError(503, "queue_unavailable", "cannot accept uploads right now; retry shortly") from None
    log.info("upload url issued type=%s bytes=%d", doc_type.value, body.size_bytes, extra={"doc_id": doc_id})
    return UploadUrl(
        id=doc_id,
        upload_url=presigned.url,
        headers=presigned.headers,
        expires_at=datetime.fromtimestamp(presigned.expires_at, UTC).isoformat().replace("+00:00", "Z"),
    )


@router.post(
    "/{doc_id}/submit",
    status_code=202,
    response_model=Accepted,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 429, 503),
    summary="Verify the uploaded object and queue it as a document (repeating it answers the same document)",
)
async def submit_upload(
    doc_id: str, request: Request, components: ComponentsDep, user: LimitedUserDep
) -> JSONResponse:
    store = _presigning_store(components)
    if not re.fullmatch(r"[0-9a-f]{32}", doc_id):
        raise ApiError(404, "document_not_found", "no such document")
    uploads = _pending_uploads(components)
    # Every database, Redis and storage call in the thread pool: the event loop keeps answering other requests.
    existing = await run_in_threadpool(_submitted, components, doc_id, user)
    if existing is not None:
        return existing
    try:
        pending = await run_in_threadpool(uploads.load, doc_id)
        locked = pending is not None and pending.owner == user and await run_in_threadpool(uploads.lock, doc_id)
    except redis.RedisError as exc:
        log.error("pending upload not read error=%s", type(exc).__name__)
        raise ApiError(503, "queue_unavailable", "cannot submit uploads right now; retry shortly") from None
    # Someone else's upload answers exactly like a missing one, so ids cannot be probed.
    if pending is None or pending.owner != user:
        raise ApiError(404, "document_not_found", "no such document")
    if not locked:
        raise ApiError(409, "submit_in_progress", "this upload is being submitted; read the document shortly")
    try:
        existing = await run_in_threadpool(_submitted, components, doc_id, user)  # a concurrent submit finished?
        if existing is not None:
            return existing
        slots = request.app.state.decode_slots
        checked = await run_in_threadpool(_verified, store, pending, components.settings, slots)
        object_key = document_key(doc_id, checked.extension)
        await run_in_threadpool(_storage_call, store.put, object_key, checked.data)
        correlation_id = current_or_new_correlation_id()
        status = await record_and_enqueue(
            components,
            doc_id=doc_id,
            owner=user,
            doc_type=parse_doc_type(pending.doc_type),
            object_key=object_key,
            checked=checked,
            claimed_name=pending.claimed_name,
            claimed_nik=pending.claimed_nik,
            correlation_id=correlation_id,
        )
        await run_in_threadpool(uploads.forget, doc_id)
        await run_in_threadpool(_delete_quietly, store, pending.incoming_key)
        return accepted(doc_id, status, pending.doc_type, correlation_id)
    finally:
        await run_in_threadpool(uploads.unlock, doc_id)


def _submitted(components: Components, doc_id: str, user: str) -> JSONResponse | None:
    """A repeated submit answers the document it made, as it is now, and queues nothing again."""
    record = components.store.get(doc_id)
    if record is None:
        return None
    if record.owner != user:
        raise ApiError(404, "document_not_found", "no such document")
    return accepted(record.id, record.status, record.doc_type, record.correlation_id or "")


def _verified(
    store: PresigningStore, pending: PendingUpload, settings: Settings, slots: threading.BoundedSemaphore
) -> CheckedUpload:
    """The uploaded object through the multipart route's checks, in the same decode slots; a refused object is
    deleted."""
    key = pending.incoming_key
    info = _storage_call(store.head, key)
    if info is None:
        raise ApiError(409, "object_missing", "nothing has been uploaded yet: PUT the file to upload_url, then submit")
    try:
        if info.size > settings.max_upload_bytes:
            raise DocumentError(f"the file is larger than {settings.max_upload_bytes} bytes", code="file_too_large")
        if info.size != pending.size_bytes:
            raise DocumentError(
                f"{info.size} bytes were uploaded but {pending.size_bytes} were declared", code="size_mismatch"
            )
        data = _storage_call(store.get, key)
        return check_within_slots(slots, data, declared_type=pending.content_type, settings=settings)
    except DocumentError as exc:
        _delete_quietly(store, key)
        log.info("direct upload refused code=%s", exc.code)
        raise ApiError(STATUS_FOR_CODE.get(exc.code, 400), exc.code, exc.message) from None


def _storage_call(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Storage failures as API errors: a vanished object is 409 object_missing, an outage 503."""
    try:
        return call(*args, **kwargs)
    except FilotError as exc:
        if exc.code == "object_not_found":
            raise ApiError(409, "object_missing", "the uploaded object is gone; upload it again") from None
        if exc.code == "storage_unavailable":
            log.error("object storage failed error=%s", exc)
            raise ApiError(503, "storage_unavailable", "object storage is unavailable; retry shortly") from None
        raise


def _delete_quietly(store: PresigningStore, key: str) -> None:
    """Best effort: a leftover incoming object is harmless (never read again) and expires with the bucket rule."""
    try:
        store.delete(key)
    except FilotError as exc:
        log.warning("incoming object not deleted key=%s error=%s", key, exc.code)

