"""Deskew: the estimate recovers known angles within 0.5 degree and agrees with the OpenCV estimate
within 0.2; the rotation is within 1 grey level of cv2.warpAffine (bilinear)."""

from __future__ import annotations

import numpy as np
import pytest

from services.kernels.deskew import _profile_cpu, _trig, deskew_cpu, estimate_skew_cpu, rotate_cpu
from services.pipeline import preprocess as reference
from tests.services.kernels.conftest import diff, noise, plain


@pytest.mark.parametrize("angle", [-8, -3.5, 0, 2, 6])
def test_estimate_recovers_known_angles(card_gray: np.ndarray, angle: float) -> None:
    skewed = reference.rotate(card_gray, -angle)
    estimate = estimate_skew_cpu(skewed)
    assert abs(estimate - angle) <= 0.5
    assert abs(estimate - reference.estimate_skew(skewed)) <= 0.2


@pytest.mark.parametrize("angle", [-8, -0.3, 2, 6])
@pytest.mark.parametrize("border", [None, 0, 200])
def test_rotation_matches_warp_affine(angle: float, border: int | None) -> None:
    image = noise((63, 101), seed=int(angle * 10) % 97)
    assert (
        diff(rotate_cpu(image, angle, border_value=border), reference.rotate(image, angle, border_value=border)).max()
        <= 1
    )


def test_deskew_straightens_the_card(card_gray: np.ndarray) -> None:
    straight, angle = deskew_cpu(reference.rotate(card_gray, 3.0))
    assert abs(angle + 3.0) <= 0.5
    assert straight.shape == card_gray.shape


@pytest.mark.parametrize(
    "image",
    [plain((1, 1), 0), plain((40, 60), 0), plain((40, 60), 255), noise((2, 3)), noise((3, 2000)), noise((31, 17))],
)
def test_edge_cases_finish(image: np.ndarray) -> None:
    out, angle = deskew_cpu(image)
    assert out.shape == image.shape and -10.5 <= angle <= 10.5


def test_row_profiles_follow_every_ink_pixel() -> None:
    """The CPU profile walks only the ink's coordinates: it must equal projecting every pixel of the image
    (numpy, straight from the rotation's formula), weights split between the two rows a pixel lands on."""
    rng = np.random.default_rng(5)
    ink = np.where(rng.random((2, 23, 41)) < 0.15, 255, 0).astype(np.uint8)
    angles = np.array([[-7.0, 0.0, 2.5], [9.5, -0.1, 4.0]])
    got = _profile_cpu(ink, _trig(angles))
    h, w = ink.shape[1:]
    for k in range(2):
        ys, xs = np.nonzero(ink[k])
        for a, angle in enumerate(angles[k]):
            cos_a, sin_a = np.cos(np.radians(angle)), np.sin(np.radians(angle))
            dx = cos_a * (xs - w / 2) + sin_a * (ys - h / 2) + w / 2
            dy = -sin_a * (xs - w / 2) + cos_a * (ys - h / 2) + h / 2
            keep = (dx >= -0.5) & (dx <= w - 0.5) & (dy >= 0) & (dy <= h - 1)
            rows, frac = np.floor(dy[keep]).astype(int), dy[keep] - np.floor(dy[keep])
            expected = np.zeros(h + 1)
            np.add.at(expected, rows, 1 - frac)
            np.add.at(expected, rows + 1, frac)
            assert np.allclose(got[k, a], expected[:h], atol=1e-9)
            assert np.isclose(expected[h], 0.0, atol=1e-9)  # nothing lands past the last row
