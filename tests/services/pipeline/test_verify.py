"""The in-process verification on the generated sample set, with real Tesseract: decisions match ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.adapters.ocr import TesseractEngine
from services.core.model import Claims, Decision, DocType
from services.errors import DocumentError
from services.pipeline.verify import Thresholds, verify_document
from services.samples.generate import load_truths

ENGINE = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
THRESHOLDS = Thresholds(approve_at=85, reject_below=35)


def verify(path: Path, doc_type: DocType | None = None, claims: Claims | None = None):  # type: ignore[no-untyped-def]
    return verify_document(
        path.read_bytes(),
        doc_type=doc_type,
        engine=ENGINE,
        thresholds=THRESHOLDS,
        card_width=1000,
        max_pixels=40_000_000,
        claims=claims,
    )


def test_every_sample_gets_a_decision_its_ground_truth_allows(sample_dir: Path) -> None:
    samples = load_truths(sample_dir)
    assert len(samples) >= 12
    for path, truth in samples:
        result = verify(path, DocType(truth.doc_type))
        assert result.decision.value in truth.acceptable_decisions, (truth.name, result.score, result.reasons)


def test_clean_ktp_fields_are_read_exactly(sample_dir: Path) -> None:
    path, truth = next((p, t) for p, t in load_truths(sample_dir) if t.variant == "clean" and t.doc_type == "ktp")
    result = verify(path, DocType.KTP)
    for name in ("nik", "name", "birth_place", "birth_date", "gender", "religion", "marital_status", "occupation"):
        assert result.fields.get(name) == truth.fields[name], name
    assert result.decision is Decision.APPROVED
    assert set(result.timings_ms) == {"decode", "preprocess", "ocr", "score", "total"}


def test_type_is_detected_when_not_given(sample_dir: Path) -> None:
    for path, truth in load_truths(sample_dir):
        if truth.variant == "clean":
            assert verify(path).doc_type.value == truth.doc_type


def test_claims_are_compared_with_the_card(sample_dir: Path) -> None:
    path, truth = next((p, t) for p, t in load_truths(sample_dir) if t.variant == "clean" and t.doc_type == "ktp")
    matching = verify(path, DocType.KTP, Claims(name=truth.fields["name"].title(), nik=truth.fields["nik"]))
    assert matching.decision is Decision.APPROVED
    other = verify(path, DocType.KTP, Claims(nik="3171021708900001"))
    assert other.decision is Decision.NEEDS_REVIEW
    assert "claim_nik_mismatch" in {reason.code for reason in other.reasons}


def test_unreadable_file_raises_a_coded_error() -> None:
    with pytest.raises(DocumentError) as caught:
        verify_document(
            b"GIF89a....", doc_type=DocType.KTP, engine=ENGINE, thresholds=THRESHOLDS, card_width=1000, max_pixels=1000
        )
    assert caught.value.code == "image_undecodable"
