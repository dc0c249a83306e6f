"""Phone photos of drawn cards: reproducible, the card where the truth says, the EXIF orientation a viewer needs
to see the scene as photographed, and photos with no card."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageOps

from devtools.samples.generate import generate_sample
from devtools.samples.photo import EXIF_TURNS, PHOTO_SIZES, Photo, encode, no_card


def _photo(variant: str, seed: int, design: str = "ektp"):  # type: ignore[no-untyped-def]
    return generate_sample(design=design, variant=variant, index=1, rng=random.Random(seed))


def test_photos_are_reproducible() -> None:
    first, truth = _photo("photo", 3)
    again, truth_again = _photo("photo", 3)
    assert first.info["encoded"] == again.info["encoded"] and truth == truth_again


@pytest.mark.parametrize("variant", ["photo", "photo_hard"])
def test_the_card_is_inside_the_frame_where_the_truth_says(variant: str) -> None:
    shares = []
    for seed in range(8):
        image, truth = _photo(variant, seed)
        corners = np.array(truth.geometry["corners"])
        assert image.size in PHOTO_SIZES
        assert (corners >= 0).all() and (corners[:, 0] <= image.width).all() and (corners[:, 1] <= image.height).all()
        x, y = corners[:, 0], corners[:, 1]
        area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
        shares.append(area / (image.width * image.height))
        assert truth.geometry["turned"] in (0, 90, 180, 270)
    low, high = (0.15, 0.4) if variant == "photo_hard" else (0.25, 0.65)
    assert all(low <= share <= high for share in shares), shares


@pytest.mark.parametrize("tag", sorted(EXIF_TURNS))
def test_an_exif_orientation_restores_the_scene(tag: int) -> None:
    ys, xs = np.mgrid[0:30, 0:40]
    # Red grows to the right, green downwards: any turn or mirror of the picture shows.
    scene = Image.fromarray(np.stack([xs * 6, ys * 8, np.full_like(xs, 128)], axis=2).astype(np.uint8), "RGB")
    encoded = encode(Photo(image=scene, exif_orientation=tag, jpeg_quality=95))
    with Image.open(io.BytesIO(encoded)) as stored:
        assert stored.getexif().get(0x0112) == tag
        assert stored.size == ((30, 40) if EXIF_TURNS[tag] in (90, 270) else (40, 30))
        shown = np.asarray(ImageOps.exif_transpose(stored).convert("RGB"), np.int16)
    assert np.abs(shown - np.asarray(scene, np.int16)).mean() < 6  # the same picture, up to JPEG


def test_a_photo_with_no_card_has_no_corners_and_only_rejection_is_right() -> None:
    image, truth = _photo("no_card", 1)
    assert truth.geometry["corners"] == [] and truth.fields == {} and truth.acceptable_decisions == ("rejected",)
    assert no_card(random.Random(2)).corners == ()
    assert image.info["encoded"][:3] == b"\xff\xd8\xff"
