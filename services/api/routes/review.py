"""BULI2's callback with the human decision on an escalated document: signature and body checked here, the
decision applied by services/application/review.py."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, ValidationError

from services.adapters.database import REVIEWER_MAX
from services.api.deps import ComponentsDep, ServiceDep, SettingsDep
from services.api.errors import ApiError
from services.api.schemas import ReviewResult, error_responses
from services.application.review import HumanReview, ReviewConflict, apply_human_decision
from services.core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify, verify_url
from services.platform.logs import bind

log = logging.getLogger("filot.api")
router = APIRouter(prefix="/v1/review", tags=["review"])


class ReviewDecision(BaseModel):
    document_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    decision: Literal["approved", "rejected"]
    # Printable, no control characters: the reviewer goes into the audit trail's actor column, the note into its
    # detail (Postgres refuses a NUL outright; a newline or an escape would forge log and audit lines).
    reviewer: str = Field(default="buli2", min_length=1, max_length=REVIEWER_MAX, pattern=r"^[^\x00-\x1f\x7f]+$")
    note: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")


async def signed_decision(request: Request, settings: SettingsDep, service: ServiceDep) -> ReviewDecision:
    """The callback body, once its HMAC signature (over timestamp and exact bytes) checks out."""
    raw = await request.body()
    try:
        verify(
            settings.callback_key,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            body=raw,
            now=time.time(),
            window_s=settings.callback_window_s,
        )
    except SignatureError as exc:
        raise ApiError(401, exc.code, str(exc)) from None
    try:
        return ReviewDecision.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ApiError(422, "invalid_request", problems) from None


@router.post(
    "/callback",
    response_model=ReviewResult,
    responses=error_responses(401, 403, 404, 409, 413, 422),
    summary="BULI2's human decision on an escalated document (service key and HMAC signature required)",
    # The body is read raw (its exact bytes are signed), so FastAPI cannot infer it: declared here.
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": ReviewDecision.model_json_schema()}}}
    },
)
def review_callback(
    body: Annotated[ReviewDecision, Depends(signed_decision)], components: ComponentsDep, service: ServiceDep
) -> dict[str, Any]:
    record = components.store.get(body.document_id)
    if record is None:
        raise ApiError(404, "document_not_found", f"no document {body.document_id}")
    # The document's own correlation id (from its upload), whatever the caller sent in X-Correlation-Id.
    with bind(correlation_id=record.correlation_id, doc_id=record.id):
        try:
            return apply_human_decision(
                components, record, HumanReview(body.decision, body.reviewer, body.note), service=service
            )
        except ReviewConflict as exc:
            raise ApiError(409, exc.code, exc.message) from None


@router.get(
    "/images/{doc_id}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "the stored image"},
        **error_responses(403, 404, 422),
    },
    summary="The stored image behind a signed, expiring link (for BULI2's reviewers)",
)
def review_image(doc_id: str, expires: str, signature: str, components: ComponentsDep) -> Response:
    """The original image behind a short-lived signed link (what BULI2's reviewers see)."""
    path = f"/v1/review/images/{doc_id}"
    try:
        verify_url(
            components.settings.link_key,
            path=path,
            expires=expires,
            signature=signature,
            now=time.time(),
            max_ttl_s=components.settings.image_url_ttl_s,
        )
    except SignatureError as exc:
        raise ApiError(403, exc.code, str(exc)) from None
    record = components.store.get(doc_id)
    if record is None:
        raise ApiError(404, "document_not_found", "no such document")
    return Response(
        components.objects.get(record.object_key),
        media_type=record.content_type,
        # BULI2's page, on another origin, embeds it: the signed link is the access control here.
        headers={"Cache-Control": "private, no-store", "Cross-Origin-Resource-Policy": "cross-origin"},
    )
