"""Runs every card of a plan through verify_document on a pool of single-threaded worker processes, with the
production configuration: the same engine, thresholds, weights and card width the workers use (FILOT_*
variables apply, so a changed FILOT_SCORE_WEIGHTS is evaluated as it would run)."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from devtools.evaluation.summary import SCENE_VARIANTS, CardResult, Outcome
from devtools.samples.generate import generate_sample, sample_rng, write_sample
from services.adapters.ocr import EngineSpec, OcrEngine
from services.core.model import DocType
from services.pipeline.preprocess import OPENCV
from services.pipeline.verify import PreprocessFn, Thresholds, verify_document
from services.platform.errors import FilotError
from services.platform.settings import Settings
from services.wiring import thresholds

# Age and expiry rules depend on the date; a fixed one keeps runs comparable over time.
EVAL_TODAY = date(2026, 1, 1)
PROGRESS_EVERY = 20


@dataclass(frozen=True)
class _Worker:
    """What one pool process keeps between cards: its settings, engine and preprocessing, built once."""

    settings: Settings
    policy: Thresholds
    engine: OcrEngine
    prepare: PreprocessFn


_state: _Worker | None = None


def _init_worker(preprocessor: str = "opencv") -> None:
    # One Tesseract thread per process: the pool supplies the parallelism (Debian's OpenMP build is several times
    # slower with its threads fighting on few vCPUs: docs/capacity.md).
    os.environ["OMP_THREAD_LIMIT"] = "1"
    global _state
    s = Settings()
    prepare: PreprocessFn = OPENCV
    if preprocessor == "kernels":
        from services.kernels.dispatch import KernelPreprocessor

        # The GPU path's chain, on its Numba CPU twins here (or CUDA where a GPU is present).
        kernels = KernelPreprocessor(backend="auto", card_width=s.card_width_px)
        kernels.warm_up()
        prepare = kernels
    engine = EngineSpec(kind=s.ocr_engine, lang=s.ocr_lang, psm=s.ocr_psm, timeout_s=s.ocr_timeout_s).build()
    _state = _Worker(settings=s, policy=thresholds(s), engine=engine, prepare=prepare)


def card_bytes(*, seed: int, design: str, variant: str, index: int) -> tuple[bytes, CardResult]:
    """The card's file bytes exactly as generate_set writes them, and its result with no outcome yet."""
    image, truth = generate_sample(design=design, variant=variant, index=index, rng=sample_rng(seed, design, variant, index))
    with tempfile.TemporaryDirectory(prefix="filot-eval-") as tmp:
        data = write_sample(image, truth, Path(tmp)).read_bytes()
    return data, CardResult(
        name=truth.name,
        design=truth.design,
        doc_type=truth.doc_type,
        variant=truth.variant,
        valid=truth.valid,
        acceptable_decisions=truth.acceptable_decisions,
        truth_fields=dict(truth.fields),
    )


def _verify(data: bytes, *, doc_type: str, state: _Worker, find_card: bool = True) -> Outcome:
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        verification = verify_document(
            data,
            doc_type=DocType(doc_type),
            engine=state.engine,
            thresholds=state.policy,
            card_width=state.settings.card_width_px,
            max_pixels=state.settings.max_image_pixels,
            today=EVAL_TODAY,
            prepare=state.prepare,
            find_card=find_card,
        )
    except FilotError as exc:
        return Outcome(decision="error", fields={}, error=exc.code)
    return Outcome(
        decision=verification.decision.value,
        fields=dict(verification.fields),
        ocr_ms=verification.timings_ms.get("ocr", 0.0),
        score=verification.score,
        cpu_ms=(time.process_time() - cpu) * 1000,
        wall_ms=(time.perf_counter() - wall) * 1000,
        layout=verification.layout,
        reasons=tuple(reason.code for reason in verification.reasons if reason.blocking),
        capture=verification.capture,
    )


def evaluate_card(seed: int, design: str, variant: str, index: int) -> CardResult:
    """Generate one card and verify it (runs in a pool worker)."""
    if _state is None:
        _init_worker()
    # bandit B101: a developer tool's internal invariant
    assert _state is not None  # nosec B101
    data, result = card_bytes(seed=seed, design=design, variant=variant, index=index)
    outcome = _verify(data, doc_type=result.doc_type, state=_state)
    # Photos are also read as the pipeline read them before it looked for the card: the new steps' effect.
    baseline = _verify(data, doc_type=result.doc_type, state=_state, find_card=False) if variant in SCENE_VARIANTS else None
    return result.with_outcome(outcome, baseline)


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
            pool.submit(evaluate_card, seed, design, variant, index): position
            for position, (design, variant, index) in enumerate(cards)
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done = len(results)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(cards)):
                print(_progress_line(done, len(cards), time.monotonic() - started), file=progress, flush=True)
    return [results[position] for position in range(len(cards))]
