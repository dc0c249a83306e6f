"""Which reader reads a card: the e-KTP reader when the national layout registers, the label-based reader for
every other layout (NPWP cards, layouts we do not know). Shared by the workers, the Temporal activity and
`python -m services verify`."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from services.adapters.ocr import OcrEngine
from services.core.fields import REQUIRED_FIELDS, detect_doc_type, extract_fields, parse_card_date
from services.core.model import CardEvidence, DocType, ExtractedField
from services.core.nik import resolve_ambiguous_nik
from services.pipeline.ektp_frame import EktpLayout, register
from services.pipeline.ektp_reader import read_ektp
from services.pipeline.ocra import GlyphLineRead, GlyphRun
from services.pipeline.refine import refine_numbers

_NIK_CHARSET = "0123456789"


@dataclass(frozen=True)
class CardReading:
    """The fields read from a card, its type, and the evidence the score weighs beside the text."""

    doc_type: DocType
    fields: dict[str, ExtractedField]
    evidence: CardEvidence


def read_card(gray: np.ndarray, *, doc_type: DocType | None, engine: OcrEngine) -> CardReading:
    """gray: the preprocessed ink image, landscape, upright or upside down (a photo rectified from any of four
    turns). doc_type None: detected (a registered e-KTP is a KTP). The e-KTP layout decides which way is up; for
    other layouts a poor read is tried upside down and the better kept."""
    if doc_type in (None, DocType.KTP):
        for turned in (gray, cv2.rotate(gray, cv2.ROTATE_180)):
            layout = register(turned)
            if layout is not None:
                return _read_registered_ektp(turned, layout, engine)
    reading = _read_by_labels(gray, doc_type, engine)
    if _share_found(reading) < 0.5:
        flipped = _read_by_labels(cv2.rotate(gray, cv2.ROTATE_180), doc_type, engine)
        if _share_found(flipped) > _share_found(reading):
            return flipped
    return reading


def _read_by_labels(gray: np.ndarray, doc_type: DocType | None, engine: OcrEngine) -> CardReading:
    lines = engine.read_lines(gray)
    detected = doc_type or detect_doc_type(lines)
    fields = refine_numbers(detected, lines, extract_fields(detected, lines), gray, engine)
    return CardReading(detected, fields, CardEvidence())


def _share_found(reading: CardReading) -> float:
    required = REQUIRED_FIELDS[reading.doc_type]
    return sum(name in reading.fields for name in required) / len(required)


def _read_registered_ektp(gray: np.ndarray, layout: EktpLayout, engine: OcrEngine) -> CardReading:
    read = read_ektp(gray, layout, engine)
    fields = dict(read.fields)
    nik = read.nik
    font_matches = nik.font_matches
    value, resolved = _nik_value(nik, fields)
    if "?" in value and not font_matches:
        # Not OCR-A: the matcher cannot read it, the engine can; the number is shown (when the engine finds all 16
        # digits), the font check still blocks.
        engine_read = _read_run_with_engine(gray, layout.nik_run, engine)
        value = engine_read if engine_read is not None and len(engine_read) == 16 else value
    fields["nik"] = ExtractedField(value, nik.confidence)
    evidence = CardEvidence(
        layout="ektp", nik_font_fit=round(nik.font_fit, 3), nik_font_matches=font_matches, nik_resolved_digits=resolved
    )
    return CardReading(DocType.KTP, fields, evidence)


def _nik_value(nik: GlyphLineRead, fields: dict[str, ExtractedField]) -> tuple[str, int]:
    """The NIK as the image reads it; where it leaves digits between two candidates, the one hypothesis that agrees
    with the printed birth date and gender; where it reads nothing, the digits with "?" (never a guess)."""
    if nik.complete:
        return nik.text, 0
    birth = parse_card_date(fields["birth_date"].value) if "birth_date" in fields else None
    gender = fields["gender"].value if "gender" in fields else None
    resolved = resolve_ambiguous_nik([cell.candidates() for cell in nik.cells], birth_date=birth, gender=gender)
    return resolved if resolved is not None else (nik.text, 0)


def _read_run_with_engine(gray: np.ndarray, run: GlyphRun, engine: OcrEngine) -> str | None:
    pad = int(0.3 * run.height)
    crop = gray[max(0, run.top - pad) : run.bottom + pad, max(0, run.left - pad) : run.right + pad]
    if crop.size == 0:
        return None
    scale = 40 / max(1, run.height)
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    text = "".join(line.text for line in engine.read_line(crop, charset=_NIK_CHARSET)).replace(" ", "")
    return text or None
