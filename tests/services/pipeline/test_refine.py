"""The second read of a garbled number field, with real Tesseract on a rendered card."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp
from services.adapters.ocr import TesseractEngine, WarmTesseractEngine
from services.core.fields import extract_fields
from services.core.model import DocType, ExtractedField
from services.pipeline.refine import refine_numbers, well_formed


@pytest.fixture(scope="module")
def card() -> tuple[np.ndarray, dict[str, str]]:
    fields = random_ktp_fields(random.Random(7))
    gray = cv2.cvtColor(np.asarray(render_ktp(fields).convert("RGB")), cv2.COLOR_RGB2GRAY)
    return gray, fields


@pytest.mark.parametrize("engine_class", [WarmTesseractEngine, TesseractEngine])
def test_a_garbled_nik_is_read_again_from_its_line(card: tuple[np.ndarray, dict[str, str]], engine_class: type) -> None:
    gray, truth = card
    engine = engine_class(lang="ind+eng", psm=6, timeout_s=60)
    lines = engine.read_lines(gray)
    fields = extract_fields(DocType.KTP, lines)
    assert fields["nik"].value == truth["nik"]
    garbled = {**fields, "nik": ExtractedField(truth["nik"][:-3] + "B?", 40.0)}  # as a bad whole-card read
    refined = refine_numbers(DocType.KTP, lines, garbled, gray, engine)
    assert refined["nik"].value == truth["nik"]
    assert refined["name"] == fields["name"]  # other fields untouched


def test_a_well_formed_number_is_not_read_again(card: tuple[np.ndarray, dict[str, str]]) -> None:
    class Counting:
        calls = 0

        def read_line(self, gray: np.ndarray, *, charset: str) -> list:
            Counting.calls += 1
            return []

    gray, truth = card
    fields = {"nik": ExtractedField(truth["nik"], 90.0)}
    assert refine_numbers(DocType.KTP, [], fields, gray, Counting()) == fields
    assert Counting.calls == 0


def test_well_formed_numbers() -> None:
    assert well_formed("nik", "3171021708900001") and not well_formed("nik", "31710217089000")
    assert well_formed("npwp", "081768533201000") and not well_formed("npwp", "08176853320100A")


def test_a_nik_with_a_letter_on_the_card_stays_malformed() -> None:
    fields = random_ktp_fields(random.Random(3))
    fields["nik"] = fields["nik"][:9] + "X" + fields["nik"][10:]  # 16 characters, one a letter
    gray = cv2.cvtColor(np.asarray(render_ktp(fields).convert("RGB")), cv2.COLOR_RGB2GRAY)
    engine = WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    lines = engine.read_lines(gray)
    refined = refine_numbers(DocType.KTP, lines, extract_fields(DocType.KTP, lines), gray, engine)
    assert "nik" not in refined or not well_formed("nik", refined["nik"].value)
