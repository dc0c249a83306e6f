"""check_identity: the identity rules of services/core/identity.py applied to a fresh verification.

Between reading a card and recording its result, a worker asks the store what the rules need (another owner's
approved document with the same NIK hash; for an NPWP, the owner's approved KTP) and adds the blocking reasons
they give. The hash goes into the document's row with the score, so later documents find this one once approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.core.identity import KnownIdentity, identity_reasons, nik_hash, with_reasons
from services.core.model import Decision, DocType, Reason
from services.core.nik import parse_nik
from services.core.npwp import npwp_nik
from services.core.scoring import DEFAULT_TARGETS

if TYPE_CHECKING:
    from services.adapters.database import DocumentRecord
    from services.wiring import Components


def document_nik(doc_type: DocType, fields: dict[str, str]) -> str | None:
    """The NIK a card stands for, when it passes the NIK rules (a broken one identifies nobody)."""
    nik = fields.get("nik") if doc_type is DocType.KTP else npwp_nik(fields.get("npwp", ""), card_nik=fields.get("nik"))
    return nik if nik and parse_nik(nik).valid else None


@dataclass(frozen=True)
class IdentityOutcome:
    """The decision and reasons once the identity rules hold, and the NIK hash to store with the score."""

    decision: Decision
    reasons: tuple[Reason, ...]
    nik_hash: str | None


def check_identity(
    components: Components,
    record: DocumentRecord,
    *,
    doc_type: DocType,
    fields: dict[str, str],
    decision: Decision,
    reasons: tuple[Reason, ...],
) -> IdentityOutcome:
    """The identity reasons added to a fresh verdict (an approval may become a review)."""
    nik = document_nik(doc_type, fields)
    if nik is None:
        return IdentityOutcome(decision, reasons, None)
    hashed = nik_hash(nik, key=components.settings.nik_hash_key)
    store = components.store
    other = store.verified_for_other_owner(hashed, owner=record.owner, doc_id=record.id)
    known = None
    if doc_type is DocType.NPWP:
        ktp = store.verified_ktp(record.owner)
        if ktp is not None and ktp.nik_hash:
            known = KnownIdentity(nik_hash=ktp.nik_hash, name=(ktp.fields or {}).get("name", ""), document_id=ktp.id)
    extra = identity_reasons(
        doc_type,
        document_nik_hash=hashed,
        name=fields.get("name", ""),
        seen_for_other_owner=other,
        owner_ktp=known,
        name_similarity_min=DEFAULT_TARGETS.claim_name_similarity,
    )
    decision, reasons = with_reasons(decision, reasons, extra)
    return IdentityOutcome(decision, reasons, hashed)
