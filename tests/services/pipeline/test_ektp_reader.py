"""The e-KTP's values read field by field with real Tesseract: long names, wrapped addresses and long occupations
whole, nothing from the photo column appended, the guilloche not read as letters, the NIK by its glyphs."""

from __future__ import annotations

import pytest

from services.adapters.ocr import OcrEngine, WarmTesseractEngine
from services.core.model import OcrLine
from services.pipeline.ektp_frame import register
from services.pipeline.ektp_reader import CHARSETS, cut_values, read_ektp
from services.pipeline.ink import flatten_light
from tests.services.pipeline.conftest import ektp_fields, ektp_image, prepared, sample_image

FIELDS = (
    "name", "birth_place", "birth_date", "gender", "blood_type", "address", "rt_rw", "village", "district",
    "religion", "marital_status", "occupation", "nationality", "valid_until", "province", "city",
)


@pytest.fixture(scope="module")
def engine() -> WarmTesseractEngine:
    return WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=30)


def read(fields: dict[str, str], engine: OcrEngine, *, seed: int = 0) -> dict[str, str]:
    gray = prepared(ektp_image(fields, seed=seed))
    layout = register(gray)
    assert layout is not None
    result = read_ektp(gray, layout, engine)
    return {name: found.value for name, found in result.fields.items()} | {"nik": result.nik.text}


def test_every_field_of_a_clean_card(engine: WarmTesseractEngine) -> None:
    fields = ektp_fields(11, address="JL. MAWAR NO. 8")
    got = read(fields, engine)
    assert {name: got.get(name) for name in (*FIELDS, "nik")} == {name: fields[name] for name in (*FIELDS, "nik")}


def test_long_values_are_read_whole(engine: WarmTesseractEngine) -> None:
    fields = ektp_fields(
        12,
        name="MUHAMMAD RIZKY RAMADHAN FIRMANSYAH",
        address="JL. TERUSAN JAKARTA NO. 123 PERUM GRIYA INDAH BLOK C2",
        occupation="PEGAWAI NEGERI SIPIL (PNS)",
        district="TANJUNG KARANG PUSAT",
    )
    got = read(fields, engine)
    for name in ("name", "address", "occupation", "district"):
        assert got.get(name) == fields[name], name


def test_the_photo_column_is_never_appended(engine: WarmTesseractEngine) -> None:
    """The city and date of issue stand beside the last rows; the old reader appended them to the values."""
    fields = ektp_fields(13, occupation="PEDAGANG", issue_place="BANDUNG", issue_date="23-07-2016")
    got = read(fields, engine)
    assert got["occupation"] == "PEDAGANG"
    assert got["nationality"] == "WNI" and got["valid_until"] == "SEUMUR HIDUP"
    assert not any("2016" in value for name, value in got.items() if name != "birth_date")


def test_the_crops_leave_out_labels_colons_and_the_photo() -> None:
    gray = prepared(ektp_image(ektp_fields(14)))
    layout = register(gray)
    assert layout is not None
    cap = layout.rows[0].bottom - layout.rows[0].top
    crops = cut_values(flatten_light(gray, stroke_px=cap * 0.15), layout)
    assert {crop.field for crop in crops} >= {*(row.field for row in layout.rows), "blood", "province", "city"}
    assert all(crop.charset == CHARSETS[crop.field] for crop in crops)


@pytest.mark.parametrize("variant", ["clean", "margin", "cut", "blur", "jpeg", "rotate", "uneven_light"])
def test_scans_read_as_printed(engine: WarmTesseractEngine, variant: str) -> None:
    image, truth = sample_image("ektp", variant, 21)
    gray = prepared(image)
    layout = register(gray)
    assert layout is not None
    result = read_ektp(gray, layout, engine)
    got = {name: found.value for name, found in result.fields.items()}
    misread = {name: (truth[name], got.get(name)) for name in FIELDS if name in truth and got.get(name) != truth[name]}
    assert result.nik.text == truth["nik"]
    assert len(misread) <= 1, misread  # one field in sixteen may be off on a damaged scan; never the NIK


class _CountingEngine:
    """A stand-in engine that answers every crop with nothing and counts the calls: the reader must hand a
    document's crops over in one batch (one round trip to a pooled engine)."""

    def __init__(self) -> None:
        self.batches = 0

    def read_lines(self, gray: object) -> list[OcrLine]:
        raise AssertionError("a registered e-KTP is never read as a whole page")

    def read_line(self, gray: object, *, charset: str) -> list[OcrLine]:
        raise AssertionError("crops go in one batch")

    def read_line_batch(self, crops: list[tuple[object, str]]) -> list[list[OcrLine]]:
        self.batches += 1
        return [[] for _ in crops]


def test_a_document_is_one_batch_and_an_empty_read_gives_no_field() -> None:
    gray = prepared(ektp_image(ektp_fields(15)))
    layout = register(gray)
    assert layout is not None
    counting = _CountingEngine()
    result = read_ektp(gray, layout, counting)  # type: ignore[arg-type]
    assert counting.batches == 1
    assert result.fields == {}
    assert result.nik.complete  # the NIK needs no engine
