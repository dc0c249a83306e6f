"""OCR engine cost per call on the same cards, side by side: pytesseract (a process per call) vs the warm
tesserocr engine (models loaded once, raw pixels), plus pytesseract's fixed cost on a tiny blank image.

Run with `make bench` (or `python -m tests.bench.bench_ocr`). OMP_THREAD_LIMIT=1 throughout.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

import cv2
import numpy as np
import pytesseract

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp
from services.adapters.ocr import TesseractEngine, WarmTesseractEngine
from services.pipeline.preprocess import preprocess

os.environ["OMP_THREAD_LIMIT"] = "1"


def median_ms(call: Callable[[], object], runs: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    card = cv2.cvtColor(np.asarray(render_ktp(random_ktp_fields(random.Random(3))).convert("RGB")), cv2.COLOR_RGB2BGR)
    gray, _, _ = preprocess(card, card_width=1000)
    blank = np.full((16, 16), 255, np.uint8)
    spawned = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    warm = WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    rows = {
        "pytesseract image_to_string (bare), card": median_ms(
            lambda: pytesseract.image_to_string(gray, lang="ind+eng", config="--psm 6"), args.runs
        ),
        "pytesseract image_to_data (our TesseractEngine), card": median_ms(lambda: spawned.read_lines(gray), args.runs),
        "tesserocr warm engine (our WarmTesseractEngine), card": median_ms(lambda: warm.read_lines(gray), args.runs),
        "pytesseract on a 16x16 blank (spawn + model load)": median_ms(
            lambda: pytesseract.image_to_string(blank, lang="ind+eng", config="--psm 6"), args.runs
        ),
        "tesserocr warm engine, 16x16 blank": median_ms(lambda: warm.read_lines(blank), args.runs),
    }
    print(f"OCR per call, median of {args.runs}, 1000x630 KTP card, OMP_THREAD_LIMIT=1, {os.cpu_count()} vCPU")
    for name, ms in rows.items():
        print(f"  {name:<58} {ms:8.1f} ms")
    bare = rows["pytesseract image_to_string (bare), card"]
    print(f"  ratio pytesseract engine / warm engine: {rows['pytesseract image_to_data (our TesseractEngine), card'] / rows['tesserocr warm engine (our WarmTesseractEngine), card']:.2f}")
    print(f"  ratio bare pytesseract / warm engine:   {bare / rows['tesserocr warm engine (our WarmTesseractEngine), card']:.2f}")


if __name__ == "__main__":
    main()
