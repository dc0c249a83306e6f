"""One document from bytes to a decision, in-process: shared by the workers and `python -m services verify`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from services.adapters.ocr import OcrEngine
from services.core.model import CardEvidence, Claims, Decision, DocType, ExtractedField, ImageQuality, Reason, Verdict
from services.core.scoring import DEFAULT_WEIGHTS, ScoreWeights, decide, score_document
from services.pipeline.capture import Capture, capture_card
from services.pipeline.preprocess import OPENCV, Preprocessor, decode_image
from services.pipeline.read import CardReading, read_card

log = logging.getLogger("filot.verify")

# The per-pixel work of a path (photo shrink, card warp, preparation): OpenCV, or the kernels.
PreprocessFn = Preprocessor


@dataclass(frozen=True)
class Thresholds:
    """The decision policy: thresholds and the points each score component is worth."""

    approve_at: float
    reject_below: float
    weights: ScoreWeights = DEFAULT_WEIGHTS


@dataclass(frozen=True)
class Verification:
    doc_type: DocType
    fields: dict[str, str]
    field_confidence: dict[str, float]
    score: float
    decision: Decision
    reasons: tuple[Reason, ...]
    quality: ImageQuality
    skew_deg: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    layout: str = "labels"  # "ektp": read field by field in the national layout; "labels": by the labels' text
    capture: tuple[str, ...] = ()  # what is wrong with the photo (services.pipeline.capture), for the app
    # How the card was found: "outline" (in a photo), "frame" (a scan: the image is the card), "missed" (the finder
    # saw no card but the whole photo read as one: a fallback, logged and counted), "none" (no card), "off".
    card_finder: str = "off"

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.doc_type.value,
            "fields": self.fields,
            "field_confidence": {k: round(v, 1) for k, v in self.field_confidence.items()},
            "score": self.score,
            "decision": self.decision.value,
            "reasons": [reason.to_json() for reason in self.reasons],
            "skew_deg": self.skew_deg,
            "layout": self.layout,
            "capture": list(self.capture),
            "card_finder": self.card_finder,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def judge(
    doc_type: DocType,
    fields: Mapping[str, ExtractedField],
    quality: ImageQuality,
    *,
    evidence: CardEvidence,
    claims: Claims | None,
    today: date,
    thresholds: Thresholds,
) -> Verdict:
    """Score and decision from what was read: the queue workers and the Temporal activity both end here."""
    score, reasons = score_document(
        doc_type, fields, quality, claims=claims, today=today, weights=thresholds.weights, evidence=evidence
    )
    return decide(
        score,
        reasons,
        approve_at=thresholds.approve_at,
        reject_below=thresholds.reject_below,
        # A found card that reads poorly goes to a person (with the photo's problems for the app to ask a retake):
        # the e-KTP layout registered, or an outline in a photo that passed the finder's checks (card-shaped, print
        # inside, sides against the surface). A scan on which nothing registers is judged by its score alone
        # (blank cards, random images).
        card_found=evidence.card_found,
        card_missing=evidence.card_missing,
    )


def read_photo(
    image: np.ndarray,
    *,
    doc_type: DocType | None,
    engine: OcrEngine,
    card_width: int,
    prepare: PreprocessFn = OPENCV,
    find_card: bool = True,
) -> tuple[CardReading, ImageQuality, float, dict[str, float]]:
    """The card found in the decoded upload, rectified, prepared and read; its evidence carries the capture.
    A photo in which no card is found is still read whole (a miss of the finder must not reject a real card).
    find_card False reads the photo as it is (the evaluation's baseline)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    shot = capture_card(image, card_width=card_width, steps=prepare) if find_card else Capture(card=image, quad=None, problems=())
    timings["locate"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    gray, quality, skew = prepare(shot.card, card_width=card_width)
    timings["preprocess"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    reading = read_card(gray, doc_type=doc_type, engine=engine)
    timings["ocr"] = (time.perf_counter() - started) * 1000
    problems = shot.problems
    found_by = "off" if not find_card else shot.quad.method if shot.quad is not None else "none"
    if found_by == "none" and reading.fields:
        # The finder's miss, not the user's: the whole photo read as a card (a card filling a frame of another
        # shape, a surface like the card). Logged with what was read, counted by the worker (card_finder).
        log.warning(
            "card finder found no card in a %dx%d photo; the whole photo read as the card gave %d fields",
            image.shape[1], image.shape[0], len(reading.fields),
            extra={"card_finder": "missed", "fields_read": len(reading.fields)},
        )
        problems = tuple(code for code in problems if code != "card_not_found")
        found_by = "missed"
    evidence = replace(reading.evidence, capture=problems, card_finder=found_by)
    return replace(reading, evidence=evidence), quality, skew, timings


def verify_document(
    data: bytes,
    *,
    doc_type: DocType | None,
    engine: OcrEngine,
    thresholds: Thresholds,
    card_width: int,
    max_pixels: int,
    claims: Claims | None = None,
    today: date | None = None,
    prepare: PreprocessFn = OPENCV,
    find_card: bool = True,
) -> Verification:
    """`doc_type` None detects the card from its text. Raises DocumentError for an unusable file and OcrError when the engine fails."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[step] = (now - started) * 1000
        started = now

    image = decode_image(data, max_pixels=max_pixels)
    lap("decode")
    reading, quality, skew, steps = read_photo(
        image, doc_type=doc_type, engine=engine, card_width=card_width, prepare=prepare, find_card=find_card
    )
    timings.update(steps)
    started = time.perf_counter()
    doc_type, fields, evidence = reading.doc_type, reading.fields, reading.evidence
    verdict = judge(
        doc_type, fields, quality, evidence=evidence, claims=claims, today=today or date.today(), thresholds=thresholds
    )
    lap("score")
    timings["total"] = sum(timings.values())
    return Verification(
        doc_type=doc_type,
        fields={name: found.value for name, found in fields.items()},
        field_confidence={name: found.confidence for name, found in fields.items()},
        score=verdict.score,
        decision=verdict.decision,
        reasons=verdict.reasons,
        quality=quality,
        skew_deg=skew,
        timings_ms=timings,
        layout=evidence.layout or "labels",
        capture=evidence.capture,
        card_finder=evidence.card_finder,
    )
