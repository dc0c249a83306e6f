"""Scans of drawn e-KTPs: reproducible, each damage doing what its name says, and a header cut off taken out
of the truth (what is not on the image cannot be read)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from devtools.samples.ektp import EktpStyle, render_ektp
from devtools.samples.generate import generate_sample
from devtools.samples.identity import random_ektp_fields
from devtools.samples.scan import EKTP_DEGRADATIONS, SURFACES, scan_card


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    return render_ektp(random_ektp_fields(random.Random(4)), rng=random.Random(4), style=EktpStyle(), width=900)


@pytest.mark.parametrize("variant", ["clean", *EKTP_DEGRADATIONS])
def test_scans_are_reproducible(card, variant: str) -> None:  # type: ignore[no-untyped-def]
    first = scan_card(card, variant=variant, rng=random.Random(7))
    again = scan_card(card, variant=variant, rng=random.Random(7))
    assert first.image.tobytes() == again.image.tobytes() and first.note == again.note


def test_a_margin_puts_a_surface_all_round(card) -> None:  # type: ignore[no-untyped-def]
    scan = scan_card(card, variant="margin", rng=random.Random(1))
    pixels = np.asarray(scan.image).astype(int)
    assert scan.image.width > card.width * 1.07
    corner = pixels[:3, :3].reshape(-1, 3).mean(axis=0)
    assert min(np.abs(corner - np.array(surface)).max() for surface in SURFACES) < 30


def test_uneven_light_darkens_part_of_the_card(card) -> None:  # type: ignore[no-untyped-def]
    flat = np.asarray(scan_card(card, variant="clean", rng=random.Random(2)).image).astype(float)
    dim = np.asarray(scan_card(card, variant="uneven_light", rng=random.Random(2)).image).astype(float)
    ratio = dim.mean(axis=2) / np.maximum(flat.mean(axis=2), 1)
    assert ratio.min() < 0.7 and ratio.max() > 0.9


def test_a_cut_header_is_not_in_the_truth() -> None:
    hidden_any = False
    for seed in range(12):
        _, truth = generate_sample(design="ektp", variant="cut", index=1, rng=random.Random(seed))
        top = float(truth.note.split("cut: ")[1].split("%")[0]) / 100
        assert ("province" in truth.fields) == (top <= 0.045)
        assert ("city" in truth.fields) == (top <= 0.095)
        hidden_any |= "province" not in truth.fields
    assert hidden_any
