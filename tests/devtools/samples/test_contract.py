"""The platform's own NIK rules (services.core.nik) agree with the truth of every generated sample."""

from __future__ import annotations

import random

from devtools.samples.generate import fields_and_note, generate_sample
from devtools.samples.nik import parse_card_date
from devtools.samples.truth import is_valid_variant
from services.core.nik import check_nik_against_card

SEEDS = range(200)
VARIANTS = ("clean", "invalid_nik", "malformed_nik")


def _platform_problems(fields: dict[str, str], *, doc_type: str) -> tuple[str, ...]:
    if doc_type == "npwp":
        return check_nik_against_card(fields["nik"], birth_date=None, gender=None)
    birth = parse_card_date(fields["birth_date"])
    return check_nik_against_card(fields["nik"], birth_date=birth, gender=fields["gender"])


def test_platform_accepts_valid_and_flags_broken_niks() -> None:
    # The fields the generator writes for a variant (drawing them, 1200 cards, took half a minute and changes none).
    for design, doc_type in (("ktp", "ktp"), ("npwp", "npwp"), ("ektp", "ktp")):
        for variant in VARIANTS:
            for seed in SEEDS:
                fields, _ = fields_and_note(design, variant, random.Random(seed))
                problems = _platform_problems(fields, doc_type=doc_type)
                assert bool(problems) == (not is_valid_variant(variant)), (design, variant, seed, fields["nik"], problems)
                if variant == "malformed_nik":
                    assert problems == ("nik_malformed",)


def test_a_drawn_card_carries_the_fields_the_contract_checks() -> None:
    for design in ("ktp", "npwp"):
        for variant in VARIANTS:
            _, truth = generate_sample(design=design, variant=variant, index=1, rng=random.Random(3))
            assert truth.fields == fields_and_note(design, variant, random.Random(3))[0]
            assert truth.valid == is_valid_variant(variant)
    _, scanned = generate_sample(design="ektp", variant="invalid_nik", index=1, rng=random.Random(3))
    assert _platform_problems(scanned.fields, doc_type="ktp")  # an e-KTP scan shows its broken NIK too
