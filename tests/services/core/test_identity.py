"""Identity rules across documents: a NIK verified for another owner, an NPWP that contradicts the owner's KTP."""

from __future__ import annotations

from services.core.identity import (
    NIK_SEEN_FOR_OTHER_OWNER,
    NPWP_CONTRADICTS_KTP,
    KnownIdentity,
    identity_reasons,
    nik_hash,
    with_reasons,
)
from services.core.model import Decision, DocType, Reason

KEY = "k" * 32
NIK = "1371026709610748"
KTP = KnownIdentity(nik_hash=nik_hash(NIK, key=KEY), name="FITRI HANDAYANI", document_id="a" * 32)


def _reasons(doc_type: DocType, nik: str | None, name: str, **kwargs: object) -> list[Reason]:
    return identity_reasons(
        doc_type,
        document_nik_hash=nik_hash(nik, key=KEY) if nik else None,
        name=name,
        name_similarity_min=0.85,
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_hash_is_keyed_and_never_the_nik() -> None:
    assert nik_hash(NIK, key=KEY) == nik_hash(NIK, key=KEY)
    assert nik_hash(NIK, key=KEY) != nik_hash(NIK, key="x" * 32)
    assert NIK not in nik_hash(NIK, key=KEY) and len(nik_hash(NIK, key=KEY)) == 64


def test_a_nik_verified_for_another_owner_blocks_and_names_the_other_document() -> None:
    (reason,) = _reasons(DocType.KTP, NIK, "FITRI", seen_for_other_owner="b" * 32, owner_ktp=None)
    assert (reason.code, reason.blocking) == (NIK_SEEN_FOR_OTHER_OWNER, True)
    assert "b" * 32 in reason.detail
    assert _reasons(DocType.KTP, NIK, "FITRI", seen_for_other_owner=None, owner_ktp=None) == []


def test_an_npwp_agreeing_with_the_owners_ktp_passes() -> None:
    assert _reasons(DocType.NPWP, NIK, "FITRI HANDAYANI", seen_for_other_owner=None, owner_ktp=KTP) == []
    assert _reasons(DocType.NPWP, NIK, "Fitri  Handayani.", seen_for_other_owner=None, owner_ktp=KTP) == []
    # An older NPWP that prints no NIK is judged by its name alone.
    assert _reasons(DocType.NPWP, None, "FITRI HANDAYANI", seen_for_other_owner=None, owner_ktp=KTP) == []


def test_an_npwp_contradicting_the_owners_ktp_blocks() -> None:
    (nik_differs,) = _reasons(
        DocType.NPWP, "1371026709610749", "FITRI HANDAYANI", seen_for_other_owner=None, owner_ktp=KTP
    )
    assert (nik_differs.code, nik_differs.blocking) == (NPWP_CONTRADICTS_KTP, True)
    assert "NIK differs" in nik_differs.detail and "a" * 32 in nik_differs.detail
    (name_differs,) = _reasons(DocType.NPWP, NIK, "BUDI SANTOSO", seen_for_other_owner=None, owner_ktp=KTP)
    assert "name differs" in name_differs.detail
    # Without a verified KTP there is nothing to contradict.
    assert _reasons(DocType.NPWP, NIK, "BUDI SANTOSO", seen_for_other_owner=None, owner_ktp=None) == []


def test_a_blocking_identity_reason_turns_an_approval_into_a_review_and_leaves_a_rejection() -> None:
    block = [Reason(NIK_SEEN_FOR_OTHER_OWNER, 0, 0, "x", blocking=True)]
    assert with_reasons(Decision.APPROVED, (), block) == (Decision.NEEDS_REVIEW, tuple(block))
    assert with_reasons(Decision.REJECTED, (), block)[0] is Decision.REJECTED
    assert with_reasons(Decision.APPROVED, (), [])[0] is Decision.APPROVED
