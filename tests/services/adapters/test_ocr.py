"""The Tesseract engine adapter, run for real on generated cards."""

from __future__ import annotations

import os
import random
import signal

import cv2
import numpy as np
import pytest

from services.adapters.ocr import EngineSpec, PooledEngine, TesseractEngine, WarmTesseractEngine, check_tesseract
from services.errors import OcrError
from services.samples.identity import random_ktp_fields
from services.samples.render import render_ktp


def test_reads_nik_and_name_lines_with_confidence() -> None:
    fields = random_ktp_fields(random.Random(7))  # deterministic; accuracy over many cards is an evaluation's job
    gray = cv2.cvtColor(np.asarray(render_ktp(fields).convert("RGB")), cv2.COLOR_RGB2GRAY)
    lines = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60).read_lines(gray)
    text = "\n".join(line.text for line in lines)
    assert fields["nik"] in text.replace(" ", "")
    assert fields["name"] in text
    assert all(0 <= line.confidence <= 100 for line in lines)


def test_blank_image_gives_no_lines() -> None:
    assert TesseractEngine(lang="ind+eng", psm=6, timeout_s=60).read_lines(np.full((200, 300), 255, np.uint8)) == []


def test_missing_language_model_is_reported_with_the_package_to_install() -> None:
    check_tesseract("ind+eng")  # installed by `make test`
    with pytest.raises(OcrError) as caught:
        check_tesseract("ind+xyz")
    assert caught.value.code == "ocr_unavailable" and "xyz" in str(caught.value)


def test_engine_failure_is_an_ocr_error_not_a_crash() -> None:
    engine = TesseractEngine(lang="xyz", psm=6, timeout_s=60)  # a model that does not exist
    with pytest.raises(OcrError) as caught:
        engine.read_lines(np.full((50, 50), 255, np.uint8))
    assert caught.value.code == "ocr_failed"


def card_gray(seed: int = 7) -> np.ndarray:
    fields = random_ktp_fields(random.Random(seed))
    return cv2.cvtColor(np.asarray(render_ktp(fields).convert("RGB")), cv2.COLOR_RGB2GRAY)


def test_warm_engine_reads_what_pytesseract_reads() -> None:
    gray = card_gray()
    warm = WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    spawned = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    warm_text = [line.text for line in warm.read_lines(gray)]
    assert warm_text == [line.text for line in spawned.read_lines(gray)]
    # Colour input (BGR, as OpenCV decodes) works too.
    assert [line.text for line in warm.read_lines(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))] == warm_text
    warm.close()


def test_auto_engine_prefers_the_warm_engine() -> None:
    assert isinstance(EngineSpec(kind="auto", lang="ind+eng", psm=6, timeout_s=60).build(), WarmTesseractEngine)
    assert isinstance(EngineSpec(kind="pytesseract", lang="ind+eng", psm=6, timeout_s=60).build(), TesseractEngine)


def test_pool_replaces_a_crashed_engine_process_and_keeps_reading() -> None:
    pool = PooledEngine(EngineSpec(kind="tesserocr", lang="ind+eng", psm=6, timeout_s=60), processes=2)
    try:
        pool.warm_up()
        gray = card_gray()
        expected = [line.text for line in pool.read_lines(gray)]
        for pid in list(pool._pool._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(OcrError) as caught:
            pool.read_lines(gray)
        assert caught.value.code == "ocr_engine_crashed"
        assert [line.text for line in pool.read_lines(gray)] == expected
    finally:
        pool.close()
