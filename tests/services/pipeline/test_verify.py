"""The in-process verification on the generated sample set, with real Tesseract: decisions match ground truth;
a genuine e-KTP is approved, a tampered one never, and a found card that reads poorly goes to a person; a phone
photo is found, read and approved, and a photo the card cannot be read from says why."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from devtools.samples.ektp import EktpStyle
from devtools.samples.generate import generate_sample, load_truths
from services.adapters.ocr import WarmTesseractEngine
from services.core.model import Claims, Decision, DocType
from services.pipeline.fonts import LIBERATION_SANS_BOLD
from services.pipeline.verify import Thresholds, Verification, verify_document
from services.platform.errors import DocumentError
from services.platform.settings import DEFAULT_MAX_IMAGE_PIXELS
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
        max_pixels=DEFAULT_MAX_IMAGE_PIXELS,
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
    assert set(result.timings_ms) == {"decode", "locate", "preprocess", "ocr", "score", "total"}


def _png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    assert ok
    return encoded.tobytes()


def _verify_bytes(data: bytes) -> Verification:
    return verify_document(data, doc_type=None, engine=ENGINE, thresholds=THRESHOLDS, card_width=1000, max_pixels=DEFAULT_MAX_IMAGE_PIXELS)


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


def _phone_photo(design: str, seed: int, variant: str = "photo") -> tuple[bytes, dict[str, str]]:
    image, truth = generate_sample(design=design, variant=variant, index=1, rng=random.Random(seed))
    return image.info["encoded"], truth.fields


@pytest.mark.parametrize(("design", "seed"), [("ektp", 2), ("ktp", 3), ("npwp_djp", 4)])
def test_a_phone_photo_is_found_read_and_approved(design: str, seed: int) -> None:
    """A card on a table photographed at an angle, turned any way, as the phone saved it (JPEG, maybe an EXIF turn
    that the upload applies first; here the bytes go straight in, as the worker gets the stored copy)."""
    from services.api.uploads import check_upload

    data, truth = _phone_photo(design, seed)
    stored = check_upload(data, max_bytes=10**8, max_pixels=10**8).data
    result = _verify_bytes(stored)
    assert result.capture == ()
    assert result.decision is Decision.APPROVED, (result.score, [r.code for r in result.reasons if r.points == 0])
    assert result.fields.get("nik") == truth["nik"] and result.fields.get("name") == truth["name"]


def test_a_photo_with_no_card_is_rejected_as_card_not_found() -> None:
    data, _ = _phone_photo("ektp", 5, variant="no_card")
    result = _verify_bytes(data)
    assert result.capture == ("card_not_found",)
    assert result.decision is Decision.REJECTED
    assert "card_not_found" in {r.code for r in result.reasons}


def _on_table(card: np.ndarray) -> bytes:
    scene = np.full((1200, 1600, 3), (40, 70, 110), np.uint8)
    scene[280 : 280 + card.shape[0], 300 : 300 + card.shape[1]] = card
    return _png(scene)


def test_a_found_card_too_blurred_to_read_goes_to_review_with_its_reason() -> None:
    card = cv2.GaussianBlur(ektp_image(ektp_fields(43)), (0, 0), 6)
    result = _verify_bytes(_on_table(card))
    assert "too_blurry" in result.capture
    assert result.decision is Decision.NEEDS_REVIEW  # a person looks, and the app asks for a retake


def test_glare_over_the_fields_blocks_approval() -> None:
    card = ektp_image(ektp_fields(44)).astype(np.float32)
    h, w = card.shape[:2]
    ys, xs = np.ogrid[0:h, 0:w]
    spot = np.exp(-(((xs - 0.45 * w) / (0.09 * w)) ** 2 + ((ys - 0.55 * h) / (0.09 * w)) ** 2))
    card += (255 - card) * (0.97 * np.clip(spot * 1.5, 0, 1))[..., None]
    result = _verify_bytes(_on_table(card.astype(np.uint8)))
    assert result.capture == ("glare_on_fields",)
    assert result.decision is not Decision.APPROVED
    assert "glare_on_fields" in {r.code for r in result.reasons if r.blocking}


def test_a_card_the_finder_misses_is_read_whole_and_the_miss_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A hurried photo (glare, a finger over a corner) in which the finder sees no card: the whole photo still reads
    as the card, so it is decided on what was read, and the fallback is logged (and counted by the worker). This
    sample is one the finder misses today; if it finds it one day, pick another miss from `make eval`."""
    from devtools.samples.generate import sample_rng
    from services.api.uploads import check_upload

    image, truth = generate_sample(design="npwp", variant="photo_hard", index=8, rng=sample_rng(7, "npwp", "photo_hard", 8))
    stored = check_upload(image.info["encoded"], max_bytes=10**8, max_pixels=10**8).data
    with caplog.at_level("WARNING", logger="filot.verify"):
        result = _verify_bytes(stored)
    assert result.card_finder == "missed"
    assert "card_not_found" not in result.capture
    assert result.decision is not Decision.REJECTED
    assert result.fields.get("npwp_formatted") == truth.fields["npwp"]
    assert any("card finder found no card" in record.getMessage() for record in caplog.records)
