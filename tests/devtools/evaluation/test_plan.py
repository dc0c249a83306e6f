"""The evaluation set is at least 300 cards by default, mostly the national e-KTP, covers every design in every
variant, and scales to any total."""

from __future__ import annotations

import pytest

from devtools.evaluation.plan import DEFAULT_COUNT, EKTP_VALID_VARIANTS, VALID_VARIANTS, WEIGHTS, expand, scaled_plan
from devtools.samples.truth import VARIANTS_BY_DESIGN


def test_default_set_is_the_weights_and_covers_every_design_and_variant() -> None:
    plan = scaled_plan(DEFAULT_COUNT)
    assert DEFAULT_COUNT >= 300 and sum(n for _, _, n in plan) == DEFAULT_COUNT
    assert plan == list(WEIGHTS)
    for design, variants in VARIANTS_BY_DESIGN.items():
        drawn = {variant for d, variant, _ in plan if d == design}
        assert drawn >= set(variants) - ({"random"} if design == "npwp" else set()), design
    ektp = sum(n for design, _, n in plan if design == "ektp")
    assert ektp > 0.5 * DEFAULT_COUNT  # mostly the card people hold
    assert sum(n for d, v, n in plan if d == "ektp" and v in EKTP_VALID_VARIANTS) >= 150  # 1% is a card or two
    invalid = sum(n for _, variant, n in plan if variant not in (*VALID_VARIANTS, *EKTP_VALID_VARIANTS))
    assert invalid >= 50  # enough invalid and unreadable cards for the confusion matrix to mean something


@pytest.mark.parametrize("count", [1, 7, 12, 50, 299, 320, 1000])
def test_scaled_plan_has_exactly_count_cards(count: int) -> None:
    assert sum(n for _, _, n in scaled_plan(count)) == count


def test_a_small_plan_is_the_ektp_as_people_submit_it() -> None:
    """Seven cards: genuine e-KTPs, scanned and photographed (the heaviest rows go first)."""
    small = scaled_plan(7)
    assert {design for design, _, _ in small} == {"ektp"}
    variants = [variant for _, variant, _ in small]
    assert {"clean", "photo"} <= set(variants) <= {*EKTP_VALID_VARIANTS, "photo"}


def test_scaled_plan_refuses_nothing() -> None:
    with pytest.raises(ValueError):
        scaled_plan(0)


def test_expand_numbers_cards_per_type_and_variant_like_generate_set() -> None:
    assert expand([("ktp", "clean", 2), ("npwp", "clean", 1), ("ktp", "clean", 1)]) == [
        ("ktp", "clean", 1),
        ("ktp", "clean", 2),
        ("npwp", "clean", 1),
        ("ktp", "clean", 3),
    ]
