"""Identity rules across documents: one NIK verified for one owner, and an NPWP that agrees with its owner's KTP.

Pure: the caller looks up what is stored (another owner's verified document with the same NIK hash, the owner's
own verified KTP) and passes it in; the NIK itself is compared only as a keyed hash (HMAC with its own secret),
never stored or searched in plaintext. Each rule is a blocking reason: an approvable document goes to a person,
nothing is rejected on it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from services.core.model import Decision, DocType, Reason
from services.core.names import name_similarity

# The reason whose detail (the other owner's document id) only a service caller and the reviewer may see.
NIK_SEEN_FOR_OTHER_OWNER = "nik_seen_for_other_owner"
NPWP_CONTRADICTS_KTP = "npwp_contradicts_ktp"
OWNER_DETAIL = "this identity is already verified for another account: a person reviews it"


@dataclass(frozen=True)
class KnownIdentity:
    """The owner's verified KTP: its NIK's keyed hash and the printed name."""

    nik_hash: str
    name: str
    document_id: str


def nik_hash(nik: str, *, key: str) -> str:
    """The keyed hash under which a NIK is stored and searched (hex HMAC-SHA256)."""
    return hmac.new(key.encode(), nik.encode(), hashlib.sha256).hexdigest()


def identity_reasons(
    doc_type: DocType,
    *,
    document_nik_hash: str | None,
    name: str,
    seen_for_other_owner: str | None,
    owner_ktp: KnownIdentity | None,
    name_similarity_min: float,
) -> list[Reason]:
    """The identity rules for one document. ``seen_for_other_owner``: the id of another owner's verified document
    with this NIK hash; ``owner_ktp``: the owner's own verified KTP (for an NPWP)."""
    reasons: list[Reason] = []
    if document_nik_hash and seen_for_other_owner:
        reasons.append(
            Reason(
                NIK_SEEN_FOR_OTHER_OWNER,
                0.0,
                0.0,
                f"the same NIK is verified for another owner (document {seen_for_other_owner})",
                blocking=True,
            )
        )
    if doc_type is DocType.NPWP and owner_ktp is not None:
        contradictions = []
        if document_nik_hash and document_nik_hash != owner_ktp.nik_hash:
            contradictions.append("its NIK differs from the owner's verified KTP")
        similarity = name_similarity(name, owner_ktp.name)
        if name and similarity < name_similarity_min:
            contradictions.append(f"its name differs from the owner's verified KTP (similarity {similarity:.2f})")
        if contradictions:
            reasons.append(
                Reason(
                    NPWP_CONTRADICTS_KTP,
                    0.0,
                    0.0,
                    "; ".join(contradictions) + f" (KTP document {owner_ktp.document_id})",
                    blocking=True,
                )
            )
    return reasons


def with_reasons(
    decision: Decision, reasons: tuple[Reason, ...], extra: list[Reason]
) -> tuple[Decision, tuple[Reason, ...]]:
    """The decision once ``extra`` reasons hold: a blocking one turns an approval into a review; a rejection stays."""
    if any(reason.blocking for reason in extra) and decision is Decision.APPROVED:
        decision = Decision.NEEDS_REVIEW
    return decision, (*reasons, *extra)
