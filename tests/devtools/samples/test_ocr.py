"""Real Tesseract reads the NIK and name of clean generated cards exactly."""

from __future__ import annotations

import os
import random
import re
import shutil

import pytest

from devtools.samples.identity import random_ktp_fields, random_npwp_fields
from devtools.samples.render import render_ktp, render_npwp
from tests.components import reason

pytesseract = pytest.importorskip("pytesseract")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason=reason("tesseract-ocr is not installed")),
]
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _lines(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"\s*:\s*", " : ", line.strip())) for line in text.splitlines() if line.strip()]


def test_clean_ktp_nik_and_name_are_read_exactly() -> None:
    fields = random_ktp_fields(random.Random(2024))
    lines = _lines(pytesseract.image_to_string(render_ktp(fields), lang="ind+eng", config="--psm 6"))
    assert f"NIK : {fields['nik']}" in lines
    assert f"Nama : {fields['name']}" in lines
    assert f"Tempat/Tgl Lahir : {fields['birth_place']}, {fields['birth_date']}" in lines
    assert f"PROVINSI {fields['province']}" in lines


def test_clean_npwp_number_nik_and_name_are_read_exactly() -> None:
    fields = random_npwp_fields(random.Random(2024))
    lines = _lines(pytesseract.image_to_string(render_npwp(fields), lang="ind+eng", config="--psm 6"))
    assert f"NPWP : {fields['npwp']}" in lines
    assert f"NIK : {fields['nik']}" in lines
    assert f"Nama : {fields['name']}" in lines
