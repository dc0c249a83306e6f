"""The caller's own documents, newest first, a page at a time."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.adapters.database import DocumentRecord
from services.api.deps import ComponentsDep, LimitedReaderDep
from services.api.errors import ApiError
from services.api.schemas import DocumentPage, DocumentSummary, error_responses

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.get(
    "",
    response_model=DocumentPage,
    responses=error_responses(400, 401, 403, 429),
    summary="List the caller's own documents (no extracted fields; read one document for those)",
)
def list_documents(
    components: ComponentsDep,
    user: LimitedReaderDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DocumentPage:
    # The owner filter is the query itself: there is no way to name another user's documents here (API1).
    records = components.store.owned_by(user, limit=limit + 1, before=decode_cursor(cursor) if cursor else None)
    page, more = records[:limit], len(records) > limit
    return DocumentPage(
        documents=[_summary(record) for record in page],
        next_cursor=encode_cursor(page[-1]) if more else None,
    )


def _summary(record: DocumentRecord) -> DocumentSummary:
    return DocumentSummary(
        id=record.id,
        type=record.doc_type,
        status=record.status.value,
        decision=record.decision,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )


def encode_cursor(record: DocumentRecord) -> str:
    """Opaque to clients: the position after `record` in newest-first order."""
    raw = f"{record.created_at.isoformat()}|{record.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, doc_id = raw.split("|", 1)
        position = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_cursor", "cursor is not one this API returned; start again without it") from None
    if position.tzinfo is None or len(doc_id) != 32:
        raise ApiError(400, "invalid_cursor", "cursor is not one this API returned; start again without it")
    return position, doc_id
