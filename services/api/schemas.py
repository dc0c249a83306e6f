"""Response shapes of the API: what each caller may see, declared once for the OpenAPI schema.

FastAPI filters every response through these models, so a field added to a record never reaches a caller by
accident (OWASP API3): a user sees their own document without internal actors; a service sees it in full.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable, stable: e.g. document_not_found, rate_limited")
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


_ERROR_MEANINGS = {
    400: "the request or the uploaded file is invalid",
    401: "missing or invalid credentials",
    403: "these credentials may not call this route",
    404: "no such document for this caller",
    409: "the document is not in a state that allows this",
    413: "the body, file or image is too large",
    415: "the file is not a JPEG or PNG, or not what it claims to be",
    422: "a field is missing or invalid",
    429: "too many requests; retry after the Retry-After seconds",
    503: "a dependency is unavailable",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each error status it can answer, with the one error body."""
    return {status: {"model": ErrorBody, "description": _ERROR_MEANINGS[status]} for status in statuses}


class Accepted(BaseModel):
    id: str
    status: str
    type: str
    correlation_id: str


class ReviewResult(BaseModel):
    id: str
    status: str
    duplicate: bool


class OwnerEvent(BaseModel):
    """One step of the document's story as its owner sees it: what happened and whether a person decided."""

    at: str
    status: str
    by: str = Field(description="you | reviewer | automatic")


class ServiceEvent(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: str
    from_status: str | None = Field(alias="from")
    to: str
    actor: str
    detail: str | None
    correlation_id: str | None


class DocumentError(BaseModel):
    code: str | None
    message: str | None


class CaptureHint(BaseModel):
    code: str
    advice: str


class DocumentBase(BaseModel):
    id: str
    type: str
    status: str
    score: float | None
    decision: str | None
    reasons: list[dict[str, Any]] = Field(description="each score component: what it checked, points, why")
    capture: list[CaptureHint] = Field(
        default_factory=list,
        description="what is wrong with the photo, as codes the app acts on (card_not_found, card_too_small, cut_off, "
        "glare_on_fields, too_blurry, too_dark) with the advice to show the user",
    )
    # Full values: only the owner and services ever receive this model.
    fields: dict[str, str]
    error: DocumentError | None
    created_at: str
    updated_at: str
    decided_at: str | None


class OwnerDocument(DocumentBase):
    history: list[OwnerEvent]


class ServiceDocument(DocumentBase):
    history: list[ServiceEvent]
    owner: str
    correlation_id: str | None


class DocumentSummary(BaseModel):
    """A row of the owner's list: no extracted fields, so a list never carries identity numbers."""

    id: str
    type: str
    status: str
    decision: str | None
    created_at: str
    updated_at: str


class DocumentPage(BaseModel):
    documents: list[DocumentSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class Health(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str
