"""The Tesseract engine adapter and its pool of engine processes, run for real on generated cards."""

from __future__ import annotations

import io
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp
from services.adapters.ocr import EngineSpec, OcrEngine, TesseractEngine, WarmTesseractEngine, check_tesseract
from services.adapters.ocr_pool import PooledEngine
from services.pipeline.preprocess import decode_image
from services.platform.errors import OcrError
from services.platform.settings import DEFAULT_MAX_IMAGE_PIXELS
from tests.services.adapters.ocr_helpers import kill_when_busy


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


WARM = EngineSpec(kind="tesserocr", lang="ind+eng", psm=6, timeout_s=60)


@pytest.fixture
def pool() -> Iterator[PooledEngine]:
    engines = PooledEngine(WARM, processes=2)
    engines.warm_up()
    yield engines
    engines.close()


def nik_of(lines: list) -> str:  # type: ignore[type-arg]
    return "".join(line.text for line in lines).replace(" ", "")




def read_in_thread(engine: OcrEngine, gray: np.ndarray) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def read() -> None:
        try:
            outcome["lines"] = engine.read_lines(gray)
        except OcrError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=read)
    thread.start()
    return thread, outcome


def test_pool_reads_what_the_warm_engine_reads(pool: PooledEngine) -> None:
    gray = card_gray()
    assert [line.text for line in pool.read_lines(gray)] == [line.text for line in WARM.build().read_lines(gray)]


def test_engine_killed_mid_document_gives_a_coded_error_and_the_next_read_runs_on_a_replacement() -> None:
    pool = PooledEngine(WARM, processes=2, crash_retries=0)
    try:
        pool.warm_up()
        gray = card_gray()
        expected = [line.text for line in pool.read_lines(gray)]
        thread, outcome = read_in_thread(pool, gray)
        killed = kill_when_busy(pool)
        thread.join(60)
        error = outcome.get("error")
        assert isinstance(error, OcrError) and error.code == "ocr_engine_crashed"
        assert killed not in pool.pids() and len(pool.pids()) == 2 and pool.replaced == 1
        assert [line.text for line in pool.read_lines(gray)] == expected
    finally:
        pool.close()


def test_a_document_whose_engine_was_killed_is_read_again_on_the_replacement(pool: PooledEngine) -> None:
    gray = card_gray()
    expected = [line.text for line in pool.read_lines(gray)]
    thread, outcome = read_in_thread(pool, gray)
    killed = kill_when_busy(pool)
    thread.join(60)
    assert "error" not in outcome
    assert [line.text for line in outcome["lines"]] == expected  # type: ignore[attr-defined]
    assert killed not in pool.pids() and pool.replaced == 1


def test_an_engine_that_died_while_idle_is_replaced_without_costing_the_document_a_retry() -> None:
    pool = PooledEngine(WARM, processes=1, crash_retries=0)
    try:
        pool.warm_up()
        (pid,) = pool.pids()
        os.kill(pid, signal.SIGKILL)
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:  # dead, left for the pool to reap
            time.sleep(0.01)
        assert pool.read_lines(card_gray()) != []
        assert pid not in pool.pids() and pool.replaced == 1
    finally:
        pool.close()


def _read_then_meet(engine: OcrEngine, gray: np.ndarray, folder: str, expected: int) -> tuple[int, int]:
    """In an engine process: read, then wait until `expected` engine processes have read (a rendezvous that
    can only complete if that many reads run at once, each in its own process)."""
    lines = engine.read_lines(gray)
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(folder)) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid(), len(lines)


def test_as_many_documents_as_engines_are_read_at_once_each_in_its_own_process(
    pool: PooledEngine, tmp_path: Path
) -> None:
    gray = card_gray()
    results: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=lambda: results.append(pool.run_in_engine(_read_then_meet, gray, str(tmp_path), 2)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    pids = {pid for pid, _ in results}
    assert len(results) == 2 and all(count > 0 for _, count in results)
    assert len(pids) == 2 and pids == set(pool.pids())  # two processes, both reading: not one after the other
    assert len(os.listdir(tmp_path)) == 2


def test_pytesseract_is_the_portable_fallback_behind_the_same_pool() -> None:
    gray = card_gray()
    pool = PooledEngine(EngineSpec(kind="pytesseract", lang="ind+eng", psm=6, timeout_s=60), processes=1)
    try:
        pool.warm_up()
        spawned = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
        assert [line.text for line in pool.read_lines(gray)] == [line.text for line in spawned.read_lines(gray)]
    finally:
        pool.close()


def test_engine_errors_cross_the_process_boundary_with_their_code() -> None:
    pool = PooledEngine(EngineSpec(kind="tesserocr", lang="xyz", psm=6, timeout_s=60), processes=1)
    try:
        with pytest.raises(OcrError) as caught:
            pool.read_lines(np.full((32, 32), 255, np.uint8))
        assert caught.value.code in ("ocr_unavailable", "ocr_failed")
    finally:
        pool.close()


def test_a_large_card_tagged_96_dpi_is_read_because_the_resolution_is_set_explicitly() -> None:
    """A phone or scanner image often says 96 dpi (or nothing); Tesseract sizes glyphs by the resolution it
    believes, and a 3000-px card "at 96 dpi" has giant letters. The engines hand Tesseract raw pixels and set
    the source resolution themselves, so the file's tag never reaches it."""
    fields = random_ktp_fields(random.Random(7))
    card = render_ktp(fields).convert("RGB")
    large = card.resize((3000, round(card.height * 3000 / card.width)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    large.save(buffer, format="PNG", dpi=(96, 96))
    assert Image.open(io.BytesIO(buffer.getvalue())).info["dpi"][0] < 97
    gray = cv2.cvtColor(decode_image(buffer.getvalue(), max_pixels=DEFAULT_MAX_IMAGE_PIXELS), cv2.COLOR_BGR2GRAY)
    assert gray.shape[1] == 3000
    for engine in (WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60), TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)):
        assert fields["nik"] in nik_of(engine.read_lines(gray)), type(engine).__name__
