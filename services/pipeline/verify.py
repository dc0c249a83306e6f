"""One document from bytes to a decision, in-process: shared by the workers and `python -m services verify`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from services.adapters.ocr import OcrEngine
from services.core.model import CardEvidence, Claims, Decision, DocType, ExtractedField, ImageQuality, Reason, Verdict
from services.core.scoring import DEFAULT_WEIGHTS, ScoreWeights, decide, score_document
from services.pipeline.preprocess import decode_image, preprocess
from services.pipeline.read import read_card

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
        card_found=evidence.layout is not None,
    )


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
    gray, quality, skew = prepare(image, card_width=card_width)
    lap("preprocess")
    reading = read_card(gray, doc_type=doc_type, engine=engine)
    lap("ocr")
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
    )
