"""Which reader reads a card, and what the e-KTP reader hands the score: the NIK by its glyphs, the font check,
and a NIK printed in another typeface still shown to the reviewer."""

from __future__ import annotations

import pytest

from devtools.samples.ektp import EktpStyle
from services.adapters.ocr import WarmTesseractEngine
from services.core.model import DocType
from services.pipeline.fonts import LIBERATION_SANS_BOLD
from services.pipeline.read import read_card
from tests.services.pipeline.conftest import ektp_fields, ektp_image, prepared, sample_image


@pytest.fixture(scope="module")
def engine() -> WarmTesseractEngine:
    return WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=30)


def test_an_ektp_is_read_by_its_layout_and_its_nik_fits_ocr_a(engine: WarmTesseractEngine) -> None:
    fields = ektp_fields(31)
    reading = read_card(prepared(ektp_image(fields)), doc_type=None, engine=engine)
    assert reading.doc_type is DocType.KTP
    assert reading.evidence.layout == "ektp"
    assert reading.evidence.nik_font_matches is True and reading.evidence.nik_font_fit is not None
    assert reading.fields["nik"].value == fields["nik"]
    assert reading.fields["nik"].confidence > 80


@pytest.mark.parametrize(("design", "doc_type"), [("ktp", DocType.KTP), ("npwp", DocType.NPWP)])
def test_other_layouts_go_to_the_label_reader(engine: WarmTesseractEngine, design: str, doc_type: DocType) -> None:
    image, truth = sample_image(design, "clean", 32)
    reading = read_card(prepared(image), doc_type=None, engine=engine)
    assert reading.doc_type is doc_type
    assert reading.evidence.layout is None and reading.evidence.nik_font_matches is None
    assert reading.fields["nik"].value == truth["nik"]


def test_a_nik_in_arial_fails_the_font_check_and_is_still_shown(engine: WarmTesseractEngine) -> None:
    fields = ektp_fields(33)
    style = EktpStyle(nik_font=LIBERATION_SANS_BOLD)
    reading = read_card(prepared(ektp_image(fields, style=style)), doc_type=DocType.KTP, engine=engine)
    assert reading.evidence.nik_font_matches is False
    assert reading.fields["nik"].value == fields["nik"]  # read by the engine for the reviewer


def test_two_digits_edited_in_arial_fail_the_font_check(engine: WarmTesseractEngine) -> None:
    for seed in range(34, 38):
        fields = ektp_fields(seed)
        image = ektp_image(fields, style=EktpStyle(edited_cells=(10, 11)))
        reading = read_card(prepared(image), doc_type=DocType.KTP, engine=engine)
        assert reading.evidence.nik_font_matches is False, seed


def test_a_card_that_says_npwp_skips_the_ektp_reader(engine: WarmTesseractEngine) -> None:
    image = ektp_image(ektp_fields(38))
    assert read_card(prepared(image), doc_type=DocType.NPWP, engine=engine).evidence.layout is None
