"""The evaluation set is at least 300 cards by default, covers every variant, and scales to any total."""

from __future__ import annotations

import pytest

from services.evaluation.plan import DEFAULT_COUNT, VALID_VARIANTS, WEIGHTS, expand, scaled_plan
from services.samples.truth import VARIANTS


def test_default_set_is_the_weights_and_covers_every_variant() -> None:
    plan = scaled_plan(DEFAULT_COUNT)
    assert DEFAULT_COUNT >= 300 and sum(n for _, _, n in plan) == DEFAULT_COUNT
    assert plan == list(WEIGHTS)
    assert {variant for _, variant, _ in plan} == set(VARIANTS)
    assert {variant for doc, variant, _ in plan if doc == "npwp"} >= set(VALID_VARIANTS)
    ktp = sum(n for doc, _, n in plan if doc == "ktp")
    assert ktp > 0.75 * DEFAULT_COUNT  # mostly KTP
    invalid = sum(n for _, variant, n in plan if variant not in VALID_VARIANTS)
    assert invalid >= 30  # enough invalid and unreadable cards for the confusion matrix to mean something


@pytest.mark.parametrize("count", [1, 7, 12, 50, 299, 320, 1000])
def test_scaled_plan_has_exactly_count_cards(count: int) -> None:
    assert sum(n for _, _, n in scaled_plan(count)) == count


def test_small_plan_covers_the_ktp_degradations_first() -> None:
    assert [variant for _, variant, _ in scaled_plan(12)] == [*VALID_VARIANTS, "invalid_nik", "malformed_nik"]


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
