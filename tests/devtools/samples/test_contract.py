"""The platform's own NIK rules (services.core.nik) agree with the truth of every generated sample."""

from __future__ import annotations

import random

from devtools.samples.generate import generate_sample
from devtools.samples.nik import parse_card_date
from services.core.nik import check_nik_against_card

SEEDS = range(200)


def _platform_problems(fields: dict[str, str], *, doc_type: str) -> tuple[str, ...]:
    if doc_type == "npwp":
        return check_nik_against_card(fields["nik"], birth_date=None, gender=None)
    birth = parse_card_date(fields["birth_date"])
    return check_nik_against_card(fields["nik"], birth_date=birth, gender=fields["gender"])


def test_platform_accepts_valid_and_flags_broken_niks() -> None:
    for design, seeds in (("ktp", SEEDS), ("npwp", SEEDS), ("ektp", range(40))):  # e-KTP scans are slower to draw
        for variant in ("clean", "invalid_nik", "malformed_nik"):
            for seed in seeds:
                _, truth = generate_sample(design=design, variant=variant, index=1, rng=random.Random(seed))
                problems = _platform_problems(truth.fields, doc_type=truth.doc_type)
                assert bool(problems) == (not truth.valid), (truth.name, seed, truth.fields["nik"], problems)
                if variant == "malformed_nik":
                    assert problems == ("nik_malformed",)
