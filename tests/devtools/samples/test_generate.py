"""Sample sets are reproducible byte for byte, and their truth files round-trip through load_truths."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from devtools.samples.__main__ import main
from devtools.samples.degrade import DEGRADATIONS, DESK_COLOURS, TABLE_COLOUR, TILT_DEGREES, degrade, degrade_with_note
from devtools.samples.generate import DEMO_PLAN, full_plan, generate_sample, generate_set, load_truths, write_sample
from devtools.samples.identity import random_ktp_fields
from devtools.samples.nik import nik_problems
from devtools.samples.render import CARD_SIZE, render_ktp
from devtools.samples.truth import (
    DECISIONS,
    DESIGNS,
    EKTP_DEGRADED_VARIANTS,
    PHOTO_VARIANTS,
    VARIANTS_BY_DESIGN,
    SampleTruth,
)


def _digests(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def demo_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[Path, SampleTruth]]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_set(out)


def test_demo_plan_is_the_thirteen_documents(demo_set: tuple[Path, list[tuple[Path, SampleTruth]]]) -> None:
    _, written = demo_set
    assert sum(count for _, _, count in DEMO_PLAN) == 13
    # fmt: off
    assert [truth.name for _, truth in written] == [
        "ektp-clean-01", "ektp-photo-01", "ektp-margin-01", "ektp-rotate-01", "ektp-uneven_light-01",
        "ektp-edited_nik-01", "ektp-invalid_nik-01", "ektp-blank-01", "ktp-clean-01", "npwp-clean-01",
        "npwp_djp-photo-01", "ktp-malformed_nik-01", "ektp-no_card-01",
    ]
    # fmt: on
    assert sum(truth.design == "ektp" for _, truth in written) == 9  # mostly the card people really hold


# One of each kind of output (a scan, a phone photo, a drawn card): regenerating the whole demo set twice more
# proved the same in 19 s.
SEED_PLAN = (("ektp", "clean", 1), ("ektp", "photo", 1), ("npwp", "clean", 1))


def test_same_seed_writes_the_same_bytes(demo_set: tuple[Path, list[tuple[Path, SampleTruth]]], tmp_path: Path) -> None:
    first, _ = demo_set
    again = tmp_path / "again"
    generate_set(again, plan=SEED_PLAN)
    assert _digests(again) == {name: digest for name, digest in _digests(first).items() if name in _digests(again)}
    assert len(_digests(again)) == 2 * len(SEED_PLAN)  # each sample and its truth file
    other = tmp_path / "other"
    generate_set(other, seed=8, plan=SEED_PLAN)
    assert set(_digests(other)) == set(_digests(again))
    assert all(_digests(other)[name] != digest for name, digest in _digests(again).items() if not name.endswith(".json"))


def test_a_sample_does_not_depend_on_the_rest_of_the_plan(
    demo_set: tuple[Path, list[tuple[Path, SampleTruth]]], tmp_path: Path
) -> None:
    first, _ = demo_set
    generate_set(tmp_path, plan=[("ektp", "margin", 1), ("ktp", "clean", 1)])
    for name in ("ektp-margin-01.jpg", "ktp-clean-01.png"):
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes()


def test_files_and_truth_round_trip(demo_set: tuple[Path, list[tuple[Path, SampleTruth]]]) -> None:
    out, written = demo_set
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p, _ in written] + [f"{t.name}.json" for _, t in written]
    )
    assert load_truths(out) == sorted(written, key=lambda pair: pair[1].name)
    for path, truth in written:
        photo = truth.variant in (*PHOTO_VARIANTS, "no_card")
        scan = truth.design == "ektp" and truth.variant != "random" and not photo
        assert path.suffix == (".jpg" if truth.variant == "jpeg" or scan or photo else ".png")
        assert SampleTruth.from_json(json.loads(path.with_suffix(".json").read_text())) == truth
        with Image.open(path) as image:
            image.load()
            if photo:  # as the phone stored it: a phone's frame, either way up
                assert sorted(image.size) in ([960, 1280], [1200, 1600], [1536, 2048], [2448, 3264], [3000, 4000])
            elif scan:
                assert 860 <= image.width <= 1600  # a scan, at a scanner's resolution, perhaps with a margin
            elif truth.variant == "rotate":
                assert image.width > CARD_SIZE[0] and image.height > CARD_SIZE[1]
            else:
                assert image.size == CARD_SIZE


def test_load_truths_wants_an_image_next_to_each_json(tmp_path: Path) -> None:
    image, truth = generate_sample(design="ktp", variant="blank", index=1, rng=random.Random(0))
    write_sample(image, truth, tmp_path).unlink()
    with pytest.raises(FileNotFoundError, match="ktp-blank-01"):
        load_truths(tmp_path)


@pytest.mark.parametrize(
    ("design", "variant"), [(design, variant) for design in DESIGNS for variant in VARIANTS_BY_DESIGN[design]]
)
def test_truth_matches_the_variant(design: str, variant: str) -> None:
    image, truth = generate_sample(design=design, variant=variant, index=3, rng=random.Random(11))
    doc_type = DESIGNS[design]
    assert truth.name == f"{design}-{variant}-03"
    assert (truth.design, truth.doc_type, truth.variant) == (design, doc_type, variant)
    assert set(truth.acceptable_decisions) <= set(DECISIONS)
    printed = truth.fields if doc_type == "ktp" else {}
    birth = {"birth_date": printed.get("birth_date"), "gender": printed.get("gender")}
    if variant in ("clean", *DEGRADATIONS, *EKTP_DEGRADED_VARIANTS, *PHOTO_VARIANTS):
        assert truth.valid and truth.acceptable_decisions == ("approved", "needs_review")
        assert nik_problems(truth.fields["nik"], **birth) == []
        if variant in PHOTO_VARIANTS:  # where the card lies in the photo, for the card finder's tests
            assert len(truth.geometry["corners"]) == 4 and truth.geometry["turned"] in (0, 90, 180, 270)
    elif variant in ("font_mismatch", "edited_nik"):
        # The NIK agrees with the card: only its typeface shows the edit.
        assert not truth.valid and truth.acceptable_decisions == ("needs_review", "rejected")
        assert nik_problems(truth.fields["nik"], **birth) == []
    elif variant in ("invalid_nik", "malformed_nik"):
        assert not truth.valid and truth.acceptable_decisions == ("needs_review", "rejected")
        nik = truth.fields["nik"]
        assert nik_problems(nik, **birth)
        assert (len(nik) == 16 and nik.isdigit()) == (variant == "invalid_nik")
    else:
        assert not truth.valid and truth.acceptable_decisions == ("rejected",) and truth.fields == {}
    assert image.mode == "RGB"


def test_unknown_design_or_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="passport"):
        generate_sample(design="passport", variant="clean", index=1, rng=random.Random(0))
    with pytest.raises(ValueError, match="sepia"):
        generate_sample(design="ktp", variant="sepia", index=1, rng=random.Random(0))
    with pytest.raises(ValueError, match="'glare' for design ektp"):  # a photo's damage, not a scan's
        generate_sample(design="ektp", variant="glare", index=1, rng=random.Random(0))


@pytest.mark.parametrize("variant", DEGRADATIONS)
def test_degrade_is_deterministic_and_changes_pixels(variant: str) -> None:
    card = render_ktp(random_ktp_fields(random.Random(2)))
    first = degrade(card, variant=variant, rng=random.Random(9))
    again = degrade(card, variant=variant, rng=random.Random(9))
    assert first.tobytes() == again.tobytes()
    assert first.size != card.size or first.tobytes() != card.tobytes()


def test_rotation_keeps_the_whole_card_on_the_table() -> None:
    card = render_ktp(random_ktp_fields(random.Random(2)))
    for seed in range(10):
        turned = degrade(card, variant="rotate", rng=random.Random(seed))
        pixels = turned.load()
        assert pixels is not None
        for corner in ((0, 0), (turned.width - 1, 0), (0, turned.height - 1), (turned.width - 1, turned.height - 1)):
            assert pixels[corner] == TABLE_COLOUR
        for x in range(turned.width):  # a margin of table all round: no card pixel touches the frame
            assert pixels[x, 0] == TABLE_COLOUR and pixels[x, turned.height - 1] == TABLE_COLOUR


def _border(image: Image.Image) -> set[tuple[int, int, int]]:
    pixels = np.asarray(image)
    return {tuple(int(c) for c in p) for p in np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])}


@pytest.mark.parametrize("variant", ["tilt", "perspective"])
def test_tilt_and_keystone_keep_the_card_in_frame_on_light_and_dark_desks(variant: str) -> None:
    card = render_ktp(random_ktp_fields(random.Random(2)))
    desks = set()
    for seed in range(12):
        photo = degrade(card, variant=variant, rng=random.Random(seed))
        assert photo.width > CARD_SIZE[0] and photo.height > CARD_SIZE[1]
        border = _border(photo)  # a margin of desk all round: no card pixel touches the frame
        assert len(border) == 1 and border <= set(DESK_COLOURS)
        desks |= border
        # The card still fills most of the photo: a phone shot of a card, not of a desk.
        card_share = float(np.mean(np.any(np.asarray(photo) != np.asarray(next(iter(border))), axis=2)))
        assert card_share > 0.5
    assert TABLE_COLOUR in desks and desks - {TABLE_COLOUR}, "both a light and a darker desk among the seeds"


def test_tilt_angle_is_six_to_ten_degrees_either_way() -> None:
    card = render_ktp(random_ktp_fields(random.Random(2)))
    angles = []
    for seed in range(20):
        _, note = degrade_with_note(card.convert("RGB"), variant="tilt", rng=random.Random(seed))
        angles.append(float(note.split()[1]))
    assert all(TILT_DEGREES[0] <= abs(angle) <= TILT_DEGREES[1] for angle in angles)
    assert min(angles) < 0 < max(angles)


def test_low_light_dims_the_whole_card_and_adds_noise() -> None:
    card = render_ktp(random_ktp_fields(random.Random(2)))
    dim = degrade(card, variant="low_light", rng=random.Random(4))
    assert dim.size == CARD_SIZE
    before, after = np.asarray(card, dtype=np.float32), np.asarray(dim, dtype=np.float32)
    assert after.mean() < 0.6 * before.mean()
    background = before[:, :, 0] == before[0, 0, 0]  # a flat area of the card gains noise
    assert after[:, :, 0][background].std() > 1.0


def test_glare_only_brightens_one_patch_over_the_text() -> None:
    card = render_ktp(random_ktp_fields(random.Random(2)))
    for seed in range(8):
        lit = degrade(card, variant="glare", rng=random.Random(seed))
        assert lit.size == CARD_SIZE
        before, after = np.asarray(card, dtype=np.int16), np.asarray(lit, dtype=np.int16)
        assert (after >= before).all()
        changed = np.any(after - before > 20, axis=2)
        assert 0.005 < changed.mean() < 0.2  # a blob, not a wash over the card
        ys, xs = np.nonzero(changed)
        assert xs.mean() < CARD_SIZE[0] * 0.75 and ys.mean() > CARD_SIZE[1] * 0.25  # over the field column


def test_cli_writes_one_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--seed", "3", "--count-per-variant", "1"]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 2 * len(full_plan(1)) == len(list(tmp_path.iterdir()))
    assert all(Path(line).exists() for line in printed)


def test_cli_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "--count-per-variant" in capsys.readouterr().out
