"""Runs every card of a plan through verify_document in both modes on a pool of single-threaded workers."""

from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path
from typing import TextIO

from services.adapters.ocr import OcrEngine, TesseractEngine
from services.core.model import DocType
from services.errors import FilotError
from services.evaluation.summary import CardResult, Outcome
from services.pipeline.preprocess import no_preprocess, preprocess
from services.pipeline.verify import PreprocessFn, Thresholds, verify_document
from services.samples.generate import generate_sample, write_sample

# The production configuration (services/settings.py defaults), fixed here so FILOT_* variables
# cannot change what the benchmark measures.
OCR_LANG = "ind+eng"
OCR_PSM = 6
OCR_TIMEOUT_S = 60.0
THRESHOLDS = Thresholds(approve_at=85.0, reject_below=35.0)
CARD_WIDTH = 1000
MAX_PIXELS = 40_000_000
# Age and expiry rules depend on the date; a fixed one keeps runs comparable over time.
EVAL_TODAY = date(2026, 1, 1)
PREPARE: dict[str, PreprocessFn] = {"raw": no_preprocess, "prep": preprocess}
PROGRESS_EVERY = 20

_engine: OcrEngine | None = None


def _init_worker(preprocessor: str = "opencv") -> None:
    # One Tesseract thread per process: the pool supplies the parallelism (DESIGN.md measured the OpenMP cost).
    os.environ["OMP_THREAD_LIMIT"] = "1"
    global _engine
    _engine = TesseractEngine(lang=OCR_LANG, psm=OCR_PSM, timeout_s=OCR_TIMEOUT_S)
    if preprocessor == "kernels":
        from services.kernels.dispatch import KernelPreprocessor

        # The GPU path's chain, on its Numba CPU twins here (or CUDA where a GPU is present).
        kernels = KernelPreprocessor(backend="auto", card_width=CARD_WIDTH)
        kernels.warm_up()
        PREPARE["prep"] = kernels


def card_bytes(*, seed: int, doc_type: str, variant: str, index: int) -> tuple[bytes, CardResult]:
    """The card's file bytes exactly as generate_set writes them, and its result with no outcomes yet."""
    # The same per-sample seed as generate_set, so a card here is byte-identical to the one on disk.
    rng = random.Random(f"{seed}/{doc_type}/{variant}/{index}")
    image, truth = generate_sample(doc_type=doc_type, variant=variant, index=index, rng=rng)
    with tempfile.TemporaryDirectory(prefix="filot-eval-") as tmp:
        data = write_sample(image, truth, Path(tmp)).read_bytes()
    return data, CardResult(
        name=truth.name,
        doc_type=truth.doc_type,
        variant=truth.variant,
        valid=truth.valid,
        acceptable_decisions=truth.acceptable_decisions,
        truth_fields=dict(truth.fields),
        outcomes={},
    )


def _verify(data: bytes, *, doc_type: str, engine: OcrEngine, prepare: PreprocessFn) -> Outcome:
    try:
        verification = verify_document(
            data,
            doc_type=DocType(doc_type),
            engine=engine,
            thresholds=THRESHOLDS,
            card_width=CARD_WIDTH,
            max_pixels=MAX_PIXELS,
            today=EVAL_TODAY,
            prepare=prepare,
        )
    except FilotError as exc:
        return Outcome(decision="error", fields={}, error=exc.code)
    return Outcome(
        decision=verification.decision.value,
        fields=dict(verification.fields),
        ocr_ms=verification.timings_ms.get("ocr", 0.0),
        score=verification.score,
    )


def evaluate_card(seed: int, doc_type: str, variant: str, index: int) -> CardResult:
    """Generate one card and verify it in every mode (runs in a pool worker)."""
    if _engine is None:
        _init_worker()
    assert _engine is not None
    data, result = card_bytes(seed=seed, doc_type=doc_type, variant=variant, index=index)
    for mode, prepare in PREPARE.items():
        result.outcomes[mode] = _verify(data, doc_type=doc_type, engine=_engine, prepare=prepare)
    return result


def _progress_line(done: int, total: int, elapsed: float) -> str:
    eta = elapsed / done * (total - done)
    return f"eval: {done}/{total} cards, {elapsed:.0f} s elapsed, ETA {eta:.0f} s"


def run_cards(
    cards: Sequence[tuple[str, str, int]],
    *,
    seed: int,
    jobs: int,
    progress: TextIO | None = None,
    preprocessor: str = "opencv",
) -> list[CardResult]:
    """Results in the order of cards; a progress line every PROGRESS_EVERY cards and at the end."""
    started = time.monotonic()
    results: dict[int, CardResult] = {}
    # spawn, not fork: the caller may have threads (a test runner, a server), and workers import little.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(preprocessor,)
    ) as pool:
        futures = {
            pool.submit(evaluate_card, seed, doc_type, variant, index): position
            for position, (doc_type, variant, index) in enumerate(cards)
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done = len(results)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(cards)):
                print(_progress_line(done, len(cards), time.monotonic() - started), file=progress, flush=True)
    return [results[position] for position in range(len(cards))]
