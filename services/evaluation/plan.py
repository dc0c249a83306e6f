"""The evaluation set: which cards, how many of each, scaled to a requested total."""

from __future__ import annotations

from collections.abc import Sequence

DEFAULT_COUNT = 320
DEFAULT_SEED = 7
VALID_VARIANTS = (
    "clean",
    "noise",
    "blur",
    "rotate",
    "tilt",
    "low_light",
    "low_contrast",
    "jpeg",
    "glare",
    "perspective",
)

# Weights of the 320-card set: mostly KTP (what the platform mostly sees), a slice of NPWP, and
# one in eight invalid or unreadable so the confusion matrix has rows that can go wrong.
WEIGHTS: tuple[tuple[str, str, int], ...] = (
    *(("ktp", variant, 24) for variant in VALID_VARIANTS),
    *(("npwp", variant, 4) for variant in VALID_VARIANTS),
    ("ktp", "invalid_nik", 12),
    ("ktp", "malformed_nik", 10),
    ("npwp", "invalid_nik", 4),
    ("npwp", "malformed_nik", 4),
    ("ktp", "blank", 4),
    ("npwp", "blank", 2),
    ("ktp", "random", 4),
)


def scaled_plan(count: int, *, weights: Sequence[tuple[str, str, int]] = WEIGHTS) -> list[tuple[str, str, int]]:
    """A plan of exactly count cards in the proportions of weights (largest remainder; ties go to earlier rows)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    total = sum(weight for _, _, weight in weights)
    shares = [count * weight / total for _, _, weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    return [(doc_type, variant, n) for (doc_type, variant, _), n in zip(weights, counts, strict=True) if n > 0]


def expand(plan: Sequence[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """(doc_type, variant, index) for every card, indexes counted per (doc_type, variant) from 1 as generate_set does."""
    cards: list[tuple[str, str, int]] = []
    seen: dict[tuple[str, str], int] = {}
    for doc_type, variant, n in plan:
        for _ in range(n):
            seen[(doc_type, variant)] = seen.get((doc_type, variant), 0) + 1
            cards.append((doc_type, variant, seen[(doc_type, variant)]))
    return cards
