"""Value types shared by the core and its adapters, so neither side depends on the other's details."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class DocType(StrEnum):
    KTP = "ktp"
    NPWP = "npwp"


class Decision(StrEnum):
    APPROVED = "approved"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"


@dataclass(frozen=True)
class OcrLine:
    """One recognised text line with its mean word confidence (0-100)."""

    text: str
    confidence: float
    # (left, top, right, bottom) in the image the OCR read; None when the engine does not say.
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class ExtractedField:
    value: str
    confidence: float


@dataclass(frozen=True)
class CardEvidence:
    """What the reader saw beyond the text, for the score to weigh.

    layout: "ektp" when the national e-KTP layout was registered on the card (a card was found, so a poor read
    goes to a person, never to an automatic rejection); None for a layout the reader does not know.
    nik_font_fit: how well the worst NIK glyph fits OCR-A (0-1), and nik_font_matches whether that is as well as
    genuine cards fit; None where the NIK's typeface was not checked.
    nik_resolved_digits: NIK digits the image left between two candidates, decided by the rest of the card.
    capture: what is wrong with the photo, as codes an app can act on (services.pipeline.capture).
    card_finder: how the card was found: "outline", "frame" (a scan), "missed" (no card found, the whole photo
    read as one: the finder's fallback), "none" (no card), "off" (not looked for).
    """

    layout: str | None = None
    nik_font_fit: float | None = None
    nik_font_matches: bool | None = None
    nik_resolved_digits: int = 0
    capture: tuple[str, ...] = ()
    card_finder: str = "off"

    @property
    def card_found(self) -> bool:
        """A card is there: its e-KTP layout registered, or its outline was found in the photo."""
        return self.layout is not None or self.card_finder == "outline"

    @property
    def card_missing(self) -> bool:
        """Nothing in the photo is a card and nothing on it read as one."""
        return "card_not_found" in self.capture and self.layout is None


@dataclass(frozen=True)
class Claims:
    """What the uploader said about themselves; compared with the card, never trusted."""

    name: str | None = None
    nik: str | None = None


@dataclass(frozen=True)
class ImageQuality:
    """Cheap measurements of the photo; each is a reason the OCR may be unreliable."""

    sharpness: float  # variance of the Laplacian on the normalised card
    brightness: float  # mean grey level 0-255
    contrast: float  # standard deviation of grey levels
    width: int
    height: int


@dataclass(frozen=True)
class Reason:
    """One scored component: how many of its points the document earned, and why."""

    code: str
    points: float
    max_points: float
    detail: str = ""
    blocking: bool = False  # True: never auto-approve while this holds

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    score: float
    decision: Decision
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
