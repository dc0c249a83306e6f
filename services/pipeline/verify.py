"""One document from bytes to a decision, in-process: shared by the workers and `python -m services verify`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from services.adapters.ocr import OcrEngine
from services.core.model import CardEvidence, Claims, Decision, DocType, ExtractedField, ImageQuality, Reason, Verdict
from services.core.scoring import DEFAULT_WEIGHTS, ScoreWeights, decide, score_document
from services.pipeline.capture import Capture, capture_card
from services.pipeline.preprocess import decode_image, preprocess
from services.pipeline.read import CardReading, read_card

# (decoded BGR image; card width) -> (ink image for the readers, quality of the photo, skew removed in degrees)
PreprocessFn = Callable[..., tuple[np.ndarray, ImageQuality, float]]


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
        # A found card that reads poorly goes to a person (with the photo's problems for the app to ask a retake);
        # a card-shaped thing on which nothing reads and nothing is wrong with the photo is blank or garbage.
        card_found=evidence.layout is not None or (evidence.card_outline and (bool(fields) or bool(evidence.capture))),
        card_missing=evidence.card_missing,
    )


def read_photo(
    image: np.ndarray,
    *,
    doc_type: DocType | None,
    engine: OcrEngine,
    card_width: int,
    prepare: PreprocessFn = preprocess,
    find_card: bool = True,
) -> tuple[CardReading, ImageQuality, float, dict[str, float]]:
    """The card found in the decoded upload, rectified, prepared and read; its evidence carries the capture.
    A photo in which no card is found is still read whole (a miss of the finder must not reject a real card).
    find_card False reads the photo as it is (the evaluation's baseline)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    shot = capture_card(image, card_width=card_width) if find_card else Capture(card=image, quad=None, problems=())
    timings["locate"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    gray, quality, skew = prepare(shot.card, card_width=card_width)
    timings["preprocess"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    reading = read_card(gray, doc_type=doc_type, engine=engine)
    timings["ocr"] = (time.perf_counter() - started) * 1000
    outline = shot.quad is not None and shot.quad.method == "outline"
    evidence = replace(reading.evidence, card_outline=outline, capture=shot.problems)
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
    prepare: PreprocessFn = preprocess,
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
    )
