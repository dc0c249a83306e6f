"""Builds sample documents with ground truth and writes/reads them as image + JSON pairs."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from devtools.samples.degrade import JPEG_QUALITY, degrade_with_note
from devtools.samples.ektp import EktpStyle, render_ektp
from devtools.samples.identity import (
    edit_birth_year,
    make_invalid_nik,
    make_malformed_nik,
    random_ektp_fields,
    random_ktp_fields,
    random_npwp_fields,
)
from devtools.samples.npwp import render_npwp_djp
from devtools.samples.photo import CARD_RENDER_WIDTH, encode, no_card, photograph
from devtools.samples.render import render_blank, render_ktp, render_npwp, render_random
from devtools.samples.scan import scan_card, scan_width
from devtools.samples.truth import (
    DEGRADED_VARIANTS,
    DESIGNS,
    PHOTO_VARIANTS,
    VARIANTS_BY_DESIGN,
    SampleTruth,
    acceptable_decisions,
    check_variant,
    doc_type_of,
    is_valid_variant,
)
from services.core.ektp_layout import CARD_ASPECT as EKTP_ASPECT
from services.pipeline.fonts import LIBERATION_SANS_BOLD

Plan = Sequence[tuple[str, str, int]]

# Plans list (design, variant, count); designs and their variants are in devtools.samples.truth.
# The demo run's documents: mostly the national e-KTP as people scan it, the older drawn designs beside it.
DEMO_PLAN: tuple[tuple[str, str, int], ...] = (
    ("ektp", "clean", 1),
    ("ektp", "photo", 1),
    ("ektp", "margin", 1),
    ("ektp", "rotate", 1),
    ("ektp", "uneven_light", 1),
    ("ektp", "edited_nik", 1),
    ("ektp", "invalid_nik", 1),
    ("ektp", "blank", 1),
    ("ktp", "clean", 1),
    ("npwp", "clean", 1),
    ("npwp_djp", "photo", 1),
    ("ktp", "malformed_nik", 1),
    ("ektp", "no_card", 1),
)
IMAGE_SUFFIXES = (".png", ".jpg")
SCAN_JPEG_QUALITY = 92


def full_plan(count_per_variant: int) -> tuple[tuple[str, str, int], ...]:
    """Every design in every variant it is drawn in, count_per_variant of each."""
    return tuple(
        (design, variant, count_per_variant) for design in DESIGNS for variant in VARIANTS_BY_DESIGN[design]
    )


def sample_name(*, design: str, variant: str, index: int) -> str:
    """The file stem of a sample, e.g. ektp-clean-01 or ktp-invalid_nik-01."""
    return f"{design}-{variant}-{index:02d}"


_RANDOM_FIELDS = {
    "ektp": random_ektp_fields,
    "ktp": random_ktp_fields,
    "npwp": random_npwp_fields,
    "npwp_djp": random_npwp_fields,
}


def _draw(design: str, fields: dict[str, str], rng: random.Random) -> Image.Image:
    """A flat card of a design other than the e-KTP (drawn at 1000 px wide)."""
    if design == "npwp_djp":
        return render_npwp_djp(fields, rng=rng)
    return render_ktp(fields) if design == "ktp" else render_npwp(fields)


def fields_and_note(design: str, variant: str, rng: random.Random) -> tuple[dict[str, str], str]:
    fields = _RANDOM_FIELDS[design](rng)
    if design == "npwp_djp":  # the address line holds the street; the city stands on the line below
        fields["address"] = fields["address"].partition(", ")[0]
    if variant == "invalid_nik":
        if doc_type_of(design) == "ktp":
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


def _ektp(variant: str, rng: random.Random) -> tuple[Image.Image, dict[str, str], str]:
    """A scanned national e-KTP in a variant: image, fields printed and a note."""
    width = scan_width(rng)
    if variant == "blank":
        card, fields, note = render_ektp({}, rng=rng, width=width), {}, "e-KTP background, photo and signature, no text"
    else:
        style = None
        if variant == "font_mismatch":
            fields, note = random_ektp_fields(rng), "valid NIK printed in Arial bold instead of OCR-A (an edited card)"
            style = EktpStyle.random(rng, nik_font=LIBERATION_SANS_BOLD)
        elif variant == "edited_nik":
            fields, note = edit_birth_year(random_ektp_fields(rng), rng)
            style = EktpStyle.random(rng, edited_cells=(10, 11))
        else:
            fields, note = fields_and_note("ektp", variant, rng)
        card = render_ektp(fields, rng=rng, style=style, width=width)
    scan = scan_card(card, variant=variant, rng=rng)
    visible = {name: value for name, value in fields.items() if name not in scan.hidden}
    return scan.image, visible, "; ".join(part for part in (note, scan.note) if part)


def _photo(design: str, variant: str, rng: random.Random) -> tuple[Image.Image, dict[str, str], str, dict[str, Any]]:
    """A phone photo of a card of design (or of no card): image (its encoded JPEG in info["encoded"]), fields,
    note and geometry."""
    if variant == "no_card":
        photo = no_card(rng)
        fields: dict[str, str] = {}
        note = ""
    else:
        fields, note = fields_and_note(design, "clean", rng)
        if design == "ektp":
            card, aspect = render_ektp(fields, rng=rng, width=CARD_RENDER_WIDTH), EKTP_ASPECT
        else:
            card = _draw(design, fields, rng)
            aspect = card.height / card.width
        photo = photograph(card, rng=rng, hard=variant == "photo_hard", card_aspect=aspect)
    image = photo.image
    image.info["encoded"] = encode(photo)
    geometry: dict[str, Any] = {
        "corners": [list(corner) for corner in photo.corners],
        "turned": photo.turned,
        "exif_orientation": photo.exif_orientation,
    }
    return image, fields, "; ".join(part for part in (note, photo.note) if part), geometry


def generate_sample(*, design: str, variant: str, index: int, rng: random.Random) -> tuple[Image.Image, SampleTruth]:
    """One sample image and its truth; the same rng state gives the same image and fields. A photo's image is the
    scene as seen; the file to upload (JPEG, perhaps with an EXIF orientation) is in image.info["encoded"]."""
    check_variant(design, variant)
    doc_type = doc_type_of(design)
    fields: dict[str, str] = {}
    note = ""
    geometry: dict[str, Any] = {}
    if variant in (*PHOTO_VARIANTS, "no_card"):
        image, fields, note, geometry = _photo(design, variant, rng)
    elif variant == "random":
        image, note = render_random(rng), "random image, not a document"
    elif design == "ektp":
        image, fields, note = _ektp(variant, rng)
    elif variant == "blank":
        image, note = render_blank(doc_type), "card template without any text"
    else:
        fields, note = fields_and_note(design, variant, rng)
        image = _draw(design, fields, rng)
        if variant in DEGRADED_VARIANTS:
            image, note = degrade_with_note(image, variant=variant, rng=rng)
    truth = SampleTruth(
        name=sample_name(design=design, variant=variant, index=index),
        design=design,
        doc_type=doc_type,
        variant=variant,
        valid=is_valid_variant(variant),
        acceptable_decisions=acceptable_decisions(variant),
        fields=fields,
        note=note,
        geometry=geometry,
    )
    return image, truth


def write_sample(image: Image.Image, truth: SampleTruth, out_dir: Path) -> Path:
    """Write <name>.png (<name>.jpg for the jpeg variant and for e-KTP scans, which scanners and phones save as
    JPEG) and <name>.json; return the image path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if "encoded" in image.info:  # a phone photo: the bytes the phone saved
        image_path = out_dir / f"{truth.name}.jpg"
        image_path.write_bytes(image.info["encoded"])
    elif truth.design == "ektp" and truth.variant != "random":
        # Its own JPEG damage is already in the pixels of the jpeg variant; a scanner's quality for the rest.
        image_path = out_dir / f"{truth.name}.jpg"
        image.save(image_path, format="JPEG", quality=SCAN_JPEG_QUALITY)
    elif truth.variant == "jpeg":
        image_path = out_dir / f"{truth.name}.jpg"
        image.save(image_path, format="JPEG", quality=JPEG_QUALITY)
    else:
        image_path = out_dir / f"{truth.name}.png"
        image.save(image_path, format="PNG")
    truth_path = out_dir / f"{truth.name}.json"
    truth_path.write_text(json.dumps(truth.to_json(), indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    return image_path


def sample_rng(seed: int, design: str, variant: str, index: int) -> random.Random:
    """The rng one sample is drawn from: generate_set and the evaluation draw byte-identical cards from it."""
    # bandit B311: draws sample cards, reproducibly; nothing secret
    return random.Random(f"{seed}/{design}/{variant}/{index}")  # nosec B311


def generate_set(out_dir: Path, *, seed: int = 7, plan: Plan | None = None) -> list[tuple[Path, SampleTruth]]:
    """Generate and write every sample of plan (DEMO_PLAN by default), in plan order.

    Each sample draws from its own rng seeded by (seed, design, variant, index), so a sample's
    bytes do not depend on what else is in the plan.
    """
    written: list[tuple[Path, SampleTruth]] = []
    seen: Counter[tuple[str, str]] = Counter()
    for design, variant, count in DEMO_PLAN if plan is None else plan:
        for _ in range(count):
            seen[(design, variant)] += 1
            index = seen[(design, variant)]
            image, truth = generate_sample(design=design, variant=variant, index=index, rng=sample_rng(seed, design, variant, index))
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
