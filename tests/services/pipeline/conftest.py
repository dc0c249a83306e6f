"""Cards drawn in the national e-KTP design, for the reader's tests: as the generator draws them, or with the
fields a test chooses (long names, wrapped addresses, long occupations)."""

from __future__ import annotations

import random

import cv2
import numpy as np

from devtools.samples.ektp import EktpStyle, render_ektp
from devtools.samples.generate import generate_sample
from devtools.samples.identity import random_ektp_fields
from services.pipeline.preprocess import preprocess


def ektp_fields(seed: int, **overrides: str) -> dict[str, str]:
    return {**random_ektp_fields(random.Random(seed)), **overrides}


def ektp_image(fields: dict[str, str], *, seed: int = 0, width: int = 1000, style: EktpStyle | None = None) -> np.ndarray:
    """A flat, clean e-KTP as BGR, drawn width pixels wide."""
    card = render_ektp(fields, rng=random.Random(seed), style=style or EktpStyle(), width=width)
    return cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)


def sample_image(design: str, variant: str, seed: int) -> tuple[np.ndarray, dict[str, str]]:
    """A generated sample (scanned and damaged as its variant says) as BGR, and the fields visible on it."""
    image, truth = generate_sample(design=design, variant=variant, index=1, rng=random.Random(seed))
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR), truth.fields


def prepared(image: np.ndarray) -> np.ndarray:
    """The ink image the readers see (the production preprocessing at width 1000)."""
    return preprocess(image, card_width=1000)[0]
