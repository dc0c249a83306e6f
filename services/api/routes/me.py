"""The caller's rights over everything held about them (UU PDP): a copy of it, and its erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from services.adapters.database import DocumentRecord
from services.api.deps import ComponentsDep, LimitedUserDep
from services.api.errors import ApiError
from services.api.routes.documents import document_view, event_for_owner
from services.api.schemas import error_responses
from services.application.effects import image_url
from services.application.erasure import erase_document
from services.platform.errors import FilotError
from services.wiring import Components

router = APIRouter(prefix="/v1/me", tags=["me"])
PAGE = 100


@router.get(
    "/export",
    responses=error_responses(401, 403, 429),
    summary="Everything held about the caller, as JSON, with short-lived links to their images",
)
def export_me(components: ComponentsDep, user: LimitedUserDep) -> dict[str, Any]:
    documents = []
    for record in _all_documents(components, user):
        view = document_view(record, for_owner=True)
        view["history"] = [event_for_owner(event).model_dump() for event in components.store.history(record.id)]
        view["claimed"] = {"name": record.claimed_name, "nik": record.claimed_nik}
        view["appeal"] = (
            {"at": record.appealed_at.isoformat(), "note": record.appeal_note} if record.appealed_at else None
        )
        view["image_url"] = image_url(components, record) if record.image_deleted_at is None else None
        view["image_deleted_at"] = record.image_deleted_at.isoformat() if record.image_deleted_at else None
        view["personal_data_erased_at"] = record.pii_erased_at.isoformat() if record.pii_erased_at else None
        documents.append(view)
    retention = {
        "images_days": components.settings.image_retention_days,
        "personal_data_days": components.settings.pii_retention_days,
    }
    return {"owner": user, "exported_at": datetime.now(UTC).isoformat(), "retention": retention, "documents": documents}


@router.delete(
    "",
    responses=error_responses(401, 403, 429, 503),
    summary="Erase every document of the caller (idempotent): images, personal data and NIK hashes",
)
def delete_me(components: ComponentsDep, user: LimitedUserDep) -> dict[str, int]:
    erased = 0
    for record in _all_documents(components, user):
        try:
            erased += erase_document(components, record, actor=f"user:{user}")
        except FilotError as exc:
            raise ApiError(
                503, exc.code, f"erased {erased} document(s); an image could not be deleted yet: try again"
            ) from None
    return {"erased": erased}


def _all_documents(components: Components, owner: str) -> list[DocumentRecord]:
    found: list[DocumentRecord] = []
    before = None
    while True:
        page = components.store.owned_by(owner, limit=PAGE, before=before)
        found.extend(page)
        if len(page) < PAGE:
            return found
        before = (page[-1].created_at, page[-1].id)
