"""The evaluation set: which cards of which design, how many of each, scaled to a requested total."""

from __future__ import annotations

from collections.abc import Sequence

from devtools.samples.truth import DEGRADED_VARIANTS, EKTP_DEGRADED_VARIANTS

DEFAULT_SEED = 7
VALID_VARIANTS = ("clean", *DEGRADED_VARIANTS)
EKTP_VALID_VARIANTS = ("clean", *EKTP_DEGRADED_VARIANTS)

# Weights of the default set (DEFAULT_COUNT, their sum, takes them as they are). Most are the national e-KTP as people
# scan it (what the platform mostly sees), with every way a card can be wrong: a NIK breaking its rules, a malformed
# one, one printed in another typeface, one whose birth year was edited on the card and in two NIK digits, a blank
# card, a random image. The drawn KTP design of the first samples and the NPWP stay beside it, so a change for the
# real card shows what it does to the others. Then phone photos of each design, and photos with no card.
WEIGHTS: tuple[tuple[str, str, int], ...] = (
    *(("ektp", variant, 22) for variant in EKTP_VALID_VARIANTS),
    ("ektp", "invalid_nik", 12),
    ("ektp", "malformed_nik", 6),
    ("ektp", "font_mismatch", 10),
    ("ektp", "edited_nik", 10),
    ("ektp", "blank", 3),
    ("ektp", "random", 3),
    *(("ktp", variant, 8) for variant in VALID_VARIANTS),
    ("ktp", "invalid_nik", 6),
    ("ktp", "malformed_nik", 4),
    ("ktp", "blank", 2),
    ("ktp", "random", 2),
    *(("npwp", variant, 3) for variant in VALID_VARIANTS),
    ("npwp", "invalid_nik", 3),
    ("npwp", "malformed_nik", 3),
    ("npwp", "blank", 2),
    *(("npwp_djp", variant, 3) for variant in ("clean", "noise", "blur", "rotate", "jpeg", "low_light")),
    ("npwp_djp", "invalid_nik", 3),
    ("npwp_djp", "malformed_nik", 3),
    # Phone photos: moderate (a careful user) and hard (a hurried one), and photos with no card in them.
    ("ektp", "photo", 40),
    ("ektp", "photo_hard", 20),
    ("ktp", "photo", 8),
    ("ktp", "photo_hard", 4),
    ("npwp", "photo", 8),
    ("npwp", "photo_hard", 4),
    ("npwp_djp", "photo", 8),
    ("npwp_djp", "photo_hard", 4),
    ("ektp", "no_card", 8),
)
DEFAULT_COUNT = sum(weight for _, _, weight in WEIGHTS)


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
    return [(design, variant, n) for (design, variant, _), n in zip(weights, counts, strict=True) if n > 0]


def expand(plan: Sequence[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """(design, variant, index) for every card, indexes counted per (design, variant) from 1 as generate_set does."""
    cards: list[tuple[str, str, int]] = []
    seen: dict[tuple[str, str], int] = {}
    for design, variant, n in plan:
        for _ in range(n):
            seen[(design, variant)] = seen.get((design, variant), 0) + 1
            cards.append((design, variant, seen[(design, variant)]))
    return cards
