"""Builds sample documents with ground truth and writes/reads them as image + JSON pairs."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from services.samples.degrade import JPEG_QUALITY, degrade_with_note
from services.samples.identity import (
    make_invalid_nik,
    make_malformed_nik,
    random_ktp_fields,
    random_npwp_fields,
)
from services.samples.render import render_blank, render_ktp, render_npwp, render_random
from services.samples.truth import (
    DEGRADED_VARIANTS,
    DOC_TYPES,
    VARIANTS,
    SampleTruth,
    acceptable_decisions,
    is_valid_variant,
)

Plan = Sequence[tuple[str, str, int]]

# Twelve documents: what the demo run and the end-to-end benchmark feed through the platform.
DEMO_PLAN: tuple[tuple[str, str, int], ...] = (
    ("ktp", "clean", 2),
    ("npwp", "clean", 2),
    ("ktp", "noise", 1),
    ("ktp", "blur", 1),
    ("ktp", "rotate", 1),
    ("ktp", "low_contrast", 1),
    ("ktp", "jpeg", 1),
    ("ktp", "invalid_nik", 1),
    ("ktp", "malformed_nik", 1),
    ("ktp", "blank", 1),
    ("ktp", "random", 1),
)
IMAGE_SUFFIXES = (".png", ".jpg")


def full_plan(count_per_variant: int) -> tuple[tuple[str, str, int], ...]:
    """Every document type in every variant, count_per_variant of each."""
    return tuple((doc_type, variant, count_per_variant) for doc_type in DOC_TYPES for variant in VARIANTS)


def sample_name(*, doc_type: str, variant: str, index: int) -> str:
    """The file stem of a sample, e.g. ktp-clean-01 or ktp-invalid_nik-01."""
    return f"{doc_type}-{variant}-{index:02d}"


def _fields_and_note(doc_type: str, variant: str, rng: random.Random) -> tuple[dict[str, str], str]:
    fields = random_ktp_fields(rng) if doc_type == "ktp" else random_npwp_fields(rng)
    if variant == "invalid_nik":
        if doc_type == "ktp":
            nik, note = make_invalid_nik(
                rng, nik=fields["nik"], birth_date=fields["birth_date"], gender=fields["gender"]
            )
        else:
            nik, note = make_invalid_nik(rng, nik=fields["nik"])
        fields["nik"] = nik
        return fields, note
    if variant == "malformed_nik":
        fields["nik"], note = make_malformed_nik(rng, nik=fields["nik"])
        return fields, note
    return fields, ""


def generate_sample(*, doc_type: str, variant: str, index: int, rng: random.Random) -> tuple[Image.Image, SampleTruth]:
    """One sample image and its truth; the same rng state gives the same image and fields."""
    if doc_type not in DOC_TYPES:
        raise ValueError(f"unknown doc_type {doc_type!r}; expected one of {DOC_TYPES}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    fields: dict[str, str] = {}
    note = ""
    if variant == "random":
        image, note = render_random(rng), "random image, not a document"
    elif variant == "blank":
        image, note = render_blank(doc_type), "card template without any text"
    else:
        fields, note = _fields_and_note(doc_type, variant, rng)
        image = render_ktp(fields) if doc_type == "ktp" else render_npwp(fields)
        if variant in DEGRADED_VARIANTS:
            image, note = degrade_with_note(image, variant=variant, rng=rng)
    truth = SampleTruth(
        name=sample_name(doc_type=doc_type, variant=variant, index=index),
        doc_type=doc_type,
        variant=variant,
        valid=is_valid_variant(variant),
        acceptable_decisions=acceptable_decisions(variant),
        fields=fields,
        note=note,
    )
    return image, truth


def write_sample(image: Image.Image, truth: SampleTruth, out_dir: Path) -> Path:
    """Write <name>.png (<name>.jpg for the jpeg variant) and <name>.json; return the image path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if truth.variant == "jpeg":
        image_path = out_dir / f"{truth.name}.jpg"
        image.save(image_path, format="JPEG", quality=JPEG_QUALITY)
    else:
        image_path = out_dir / f"{truth.name}.png"
        image.save(image_path, format="PNG")
    truth_path = out_dir / f"{truth.name}.json"
    truth_path.write_text(json.dumps(truth.to_json(), indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    return image_path


def generate_set(out_dir: Path, *, seed: int = 7, plan: Plan | None = None) -> list[tuple[Path, SampleTruth]]:
    """Generate and write every sample of plan (DEMO_PLAN by default), in plan order.

    Each sample draws from its own rng seeded by (seed, doc_type, variant, index), so a sample's
    bytes do not depend on what else is in the plan.
    """
    written: list[tuple[Path, SampleTruth]] = []
    seen: Counter[tuple[str, str]] = Counter()
    for doc_type, variant, count in DEMO_PLAN if plan is None else plan:
        for _ in range(count):
            seen[(doc_type, variant)] += 1
            index = seen[(doc_type, variant)]
            rng = random.Random(f"{seed}/{doc_type}/{variant}/{index}")
            image, truth = generate_sample(doc_type=doc_type, variant=variant, index=index, rng=rng)
            written.append((write_sample(image, truth, out_dir), truth))
    return written


def load_truths(directory: Path) -> list[tuple[Path, SampleTruth]]:
    """Every (image path, truth) pair in a directory written by write_sample, sorted by name."""
    pairs: list[tuple[Path, SampleTruth]] = []
    for truth_path in sorted(Path(directory).glob("*.json")):
        truth = SampleTruth.from_json(json.loads(truth_path.read_text(encoding="utf-8")))
        images = [truth_path.with_suffix(suffix) for suffix in IMAGE_SUFFIXES]
        existing = [path for path in images if path.is_file()]
        if not existing:
            raise FileNotFoundError(f"{truth_path} has no image next to it (looked for .png and .jpg)")
        pairs.append((existing[0], truth))
    return pairs
