"""The in-process verification on the generated sample set, with real Tesseract: decisions match ground truth;
a genuine e-KTP is approved, a tampered one never, and a found card that reads poorly goes to a person."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from services.adapters.ocr import WarmTesseractEngine
from services.core.model import Claims, Decision, DocType
from services.errors import DocumentError
from services.fonts import LIBERATION_SANS_BOLD
from services.pipeline.verify import Thresholds, Verification, verify_document
from services.samples.ektp import EktpStyle
from services.samples.generate import load_truths
from tests.services.pipeline.conftest import ektp_fields, ektp_image

ENGINE = WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60)  # the engine the workers run
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


@pytest.mark.parametrize("design", ["ektp", "ktp"])
def test_clean_ktp_fields_are_read_exactly(sample_dir: Path, design: str) -> None:
    path, truth = next((p, t) for p, t in load_truths(sample_dir) if t.variant == "clean" and t.design == design)
    result = verify(path, DocType.KTP)
    for name in ("nik", "name", "birth_place", "birth_date", "gender", "religion", "marital_status", "occupation"):
        assert result.fields.get(name) == truth.fields[name], name
    assert result.decision is Decision.APPROVED
    assert result.layout == ("ektp" if design == "ektp" else "labels")
    assert set(result.timings_ms) == {"decode", "preprocess", "ocr", "score", "total"}


def _png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    assert ok
    return encoded.tobytes()


def _verify_bytes(data: bytes) -> Verification:
    return verify_document(data, doc_type=None, engine=ENGINE, thresholds=THRESHOLDS, card_width=1000, max_pixels=40_000_000)


@pytest.mark.parametrize(
    ("style", "reason"),
    [(EktpStyle(nik_font=LIBERATION_SANS_BOLD), "nik_font_mismatch"), (EktpStyle(edited_cells=(10, 11)), "nik_font_mismatch")],
    ids=["NIK in Arial", "two digits edited in Arial"],
)
def test_a_nik_not_in_ocr_a_is_never_approved(style: EktpStyle, reason: str) -> None:
    result = _verify_bytes(_png(ektp_image(ektp_fields(42), style=style)))
    assert result.decision is Decision.NEEDS_REVIEW
    assert reason in {r.code for r in result.reasons if r.blocking}
    genuine = _verify_bytes(_png(ektp_image(ektp_fields(42))))
    assert genuine.decision is Decision.APPROVED


def test_a_found_card_that_reads_poorly_goes_to_review_not_rejection() -> None:
    """A card in bad light with its print faded: the layout is there (a card was found), little can be read."""
    image = ektp_image(ektp_fields(41, address="JL. MAWAR NO. 8"))
    h, w = image.shape[:2]
    image[int(0.25 * h) : int(0.9 * h), int(0.275 * w) : int(0.72 * w)] = (240, 228, 214)  # the values faded away
    image[: int(0.15 * h)] = (240, 228, 214)  # and the header
    result = _verify_bytes(_png((image.astype(np.float32) * 0.35).astype(np.uint8)))
    assert result.layout == "ektp"
    assert result.score < THRESHOLDS.reject_below
    assert result.decision is Decision.NEEDS_REVIEW
    assert "card_read_poorly" in {r.code for r in result.reasons}


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
