"""Ground truth for one generated sample: what is printed on it and what a verifier should decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOC_TYPES = ("ktp", "npwp")
# Card designs the generator draws, and the document type of each: the national e-KTP as it is really printed
# (OCR-A NIK, Arial on a guilloche), the plain KTP layout our first samples used, the NPWP card as our first samples
# drew it (every line labelled) and as the tax office prints it (npwp_djp: name and address without labels).
DESIGNS: dict[str, str] = {"ektp": "ktp", "ktp": "ktp", "npwp": "npwp", "npwp_djp": "npwp"}
DEGRADED_VARIANTS = ("noise", "blur", "rotate", "low_contrast", "jpeg", "tilt", "low_light", "glare", "perspective")
VARIANTS = ("clean", *DEGRADED_VARIANTS, "invalid_nik", "malformed_nik", "blank", "random")
# e-KTP samples are scans: "clean" is a flat scan; the rest add what real scans and crops show.
EKTP_DEGRADED_VARIANTS = ("margin", "cut", "blur", "jpeg", "rotate", "uneven_light")
# font_mismatch: an otherwise valid card whose NIK is printed in Arial, as an edited card looks; edited_nik: the
# birth year changed on the card and in two NIK digits re-printed in Arial, so the card agrees with itself and
# only the NIK's typeface gives it away.
EKTP_VARIANTS = (
    "clean", *EKTP_DEGRADED_VARIANTS, "invalid_nik", "malformed_nik", "font_mismatch", "edited_nik", "blank", "random"
)
# Phone photos of any design: "photo" as a careful user takes it, "photo_hard" as a hurried one does; "no_card": a
# photo with no card in it at all.
PHOTO_VARIANTS = ("photo", "photo_hard")
VARIANTS_BY_DESIGN: dict[str, tuple[str, ...]] = {
    "ektp": (*EKTP_VARIANTS, *PHOTO_VARIANTS, "no_card"),
    "ktp": (*VARIANTS, *PHOTO_VARIANTS),
    "npwp": (*VARIANTS, *PHOTO_VARIANTS),
    "npwp_djp": ("clean", "noise", "blur", "rotate", "jpeg", "low_light", "invalid_nik", "malformed_nik", *PHOTO_VARIANTS),
}
DECISIONS = ("approved", "needs_review", "rejected")

_VALID = ("clean", *DEGRADED_VARIANTS, *EKTP_DEGRADED_VARIANTS, *PHOTO_VARIANTS)
_ACCEPTABLE: dict[str, tuple[str, ...]] = {
    **{variant: ("approved", "needs_review") for variant in _VALID},
    "invalid_nik": ("needs_review", "rejected"),
    "malformed_nik": ("needs_review", "rejected"),
    "font_mismatch": ("needs_review", "rejected"),
    "edited_nik": ("needs_review", "rejected"),
    "blank": ("rejected",),
    "random": ("rejected",),
    "no_card": ("rejected",),
}


def doc_type_of(design: str) -> str:
    """The document type a design is a card of."""
    try:
        return DESIGNS[design]
    except KeyError:
        raise ValueError(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}") from None


def check_variant(design: str, variant: str) -> None:
    """ValueError unless the design is drawn in that variant."""
    allowed = VARIANTS_BY_DESIGN[design] if design in DESIGNS else ()
    doc_type_of(design)
    if variant not in allowed:
        raise ValueError(f"unknown variant {variant!r} for design {design}; expected one of {', '.join(allowed)}")


def is_valid_variant(variant: str) -> bool:
    """True when a sample of this variant shows a genuine, consistent document."""
    return variant in _VALID


def acceptable_decisions(variant: str) -> tuple[str, ...]:
    """The verifier decisions that count as correct for a sample of this variant."""
    try:
        return _ACCEPTABLE[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; expected one of {', '.join(_ACCEPTABLE)}") from None


@dataclass(frozen=True)
class SampleTruth:
    """What was printed on a generated card and which decisions are acceptable for it."""

    name: str
    doc_type: str
    variant: str
    valid: bool
    acceptable_decisions: tuple[str, ...]
    fields: dict[str, str]
    note: str = field(default="")  # why an invalid sample is invalid, for people reading benchmark output
    design: str = ""  # one of DESIGNS; empty in truth files written before designs existed (the plain KTP/NPWP)
    # Photos: where the card's corners are in the image as seen (EXIF applied), TL TR BR BL of the upright card,
    # how far it is turned (0/90/180/270) and the EXIF orientation written with it.
    geometry: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "doc_type": self.doc_type,
            "design": self.design,
            "variant": self.variant,
            "valid": self.valid,
            "acceptable_decisions": list(self.acceptable_decisions),
            "fields": dict(self.fields),
            "note": self.note,
            **({"geometry": self.geometry} if self.geometry else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SampleTruth:
        return cls(
            name=str(data["name"]),
            doc_type=str(data["doc_type"]),
            variant=str(data["variant"]),
            valid=bool(data["valid"]),
            acceptable_decisions=tuple(str(d) for d in data["acceptable_decisions"]),
            fields={str(k): str(v) for k, v in data.get("fields", {}).items()},
            note=str(data.get("note", "")),
            design=str(data.get("design") or data["doc_type"]),
            geometry=dict(data.get("geometry", {})),
        )
