"""Ground truth for one generated sample: what is printed on it and what a verifier should decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOC_TYPES = ("ktp", "npwp")
DEGRADED_VARIANTS = ("noise", "blur", "rotate", "low_contrast", "jpeg", "tilt", "low_light", "glare", "perspective")
VARIANTS = ("clean", *DEGRADED_VARIANTS, "invalid_nik", "malformed_nik", "blank", "random")
DECISIONS = ("approved", "needs_review", "rejected")

_ACCEPTABLE: dict[str, tuple[str, ...]] = {
    "clean": ("approved", "needs_review"),
    **{variant: ("approved", "needs_review") for variant in DEGRADED_VARIANTS},
    "invalid_nik": ("needs_review", "rejected"),
    "malformed_nik": ("needs_review", "rejected"),
    "blank": ("rejected",),
    "random": ("rejected",),
}


def is_valid_variant(variant: str) -> bool:
    """True when a sample of this variant shows a genuine, consistent document."""
    return variant == "clean" or variant in DEGRADED_VARIANTS


def acceptable_decisions(variant: str) -> tuple[str, ...]:
    """The verifier decisions that count as correct for a sample of this variant."""
    try:
        return _ACCEPTABLE[variant]
    except KeyError:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}") from None


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

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "doc_type": self.doc_type,
            "variant": self.variant,
            "valid": self.valid,
            "acceptable_decisions": list(self.acceptable_decisions),
            "fields": dict(self.fields),
            "note": self.note,
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
        )
