"""The phone-photo chain on 12-megapixel photos: each per-pixel step, the kernels (CPU twins, and CUDA where numba
sees a GPU) beside OpenCV, and the whole chain beside the OCR of the card it finds.

Run with `python -m tests.bench.bench_photo [--photos N] [--runs N]`. The photos are generated e-KTP phone
photos (4000x3000, JPEG as the phone saves it). Prints median ms per step and path, the kernel/OpenCV ratios,
and the chain (shrink, find, warp, prepare) as a share of the OCR's time on the same card; decoding the JPEG is
shown beside it (the worker decodes the stored upload either way).
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable
from functools import partial
from typing import Any

import cv2
import numpy as np
from numba import cuda

from devtools.samples.generate import generate_sample
from services.adapters.ocr import WarmTesseractEngine
from services.core.model import DocType
from services.kernels.dispatch import KernelPreprocessor
from services.pipeline.capture import capture_card
from services.pipeline.locate import DETECT_SIDE, locate_card, rectify
from services.pipeline.preprocess import OPENCV, Preprocessor
from services.pipeline.read import read_card
from tests.bench.bench_kernels import machine, median_ms

CARD_WIDTH = 1000


def twelve_megapixel_photos(count: int) -> list[bytes]:
    """e-KTP phone photos the generator drew at 4000x3000 (either way up), as the phone saved them."""
    photos: list[bytes] = []
    seed = 0
    while len(photos) < count:
        image, _ = generate_sample(design="ektp", variant="photo", index=1, rng=random.Random(seed))
        if sorted(image.size) == [3000, 4000]:
            photos.append(image.info["encoded"])
        seed += 1
    return photos


def chain(image: np.ndarray, steps: Preprocessor) -> np.ndarray:
    shot = capture_card(image, card_width=CARD_WIDTH, steps=steps)
    return steps(shot.card, card_width=CARD_WIDTH)[0]


def measure(
    data: bytes,
    paths: dict[str, Any],
    engine: WarmTesseractEngine,
    *,
    runs: int,
    record: Callable[[str, str, float], None],
) -> None:
    """One photo: each step on each path, the whole chain, and the OCR of the card it gives."""
    buffer = np.frombuffer(data, np.uint8)
    record("decode JPEG (reference)", "opencv", median_ms(lambda: cv2.imdecode(buffer, cv2.IMREAD_COLOR), runs))
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    assert image is not None, "a bench photo did not decode"
    factor = max(1, -(-max(image.shape[:2]) // DETECT_SIDE))
    quad = locate_card(image)
    assert quad is not None, "the card finder missed a bench photo"
    for name, steps in paths.items():
        record("shrink for the finder", name, median_ms(partial(steps.shrink, image, factor), runs))
        record("warp the card", name, median_ms(partial(rectify, image, quad, width=CARD_WIDTH, steps=steps), runs))
        record("find the card (shrink + locate)", name, median_ms(partial(locate_card, image, steps=steps), runs))
        record("whole chain", name, median_ms(partial(chain, image, steps), runs))
    gray = chain(image, OPENCV)
    record("OCR of the card (reference)", "opencv", median_ms(lambda: read_card(gray, doc_type=DocType.KTP, engine=engine), 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    paths: dict[str, Any] = {"opencv": OPENCV, "twins": KernelPreprocessor("cpu", card_width=CARD_WIDTH)}
    if cuda.is_available():
        paths["cuda"] = KernelPreprocessor("cuda", card_width=CARD_WIDTH)
    for steps in paths.values():
        getattr(steps, "warm_up", lambda: None)()
    engine = WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    rows: dict[str, dict[str, list[float]]] = {}

    def record(step: str, path: str, ms: float) -> None:
        rows.setdefault(step, {}).setdefault(path, []).append(ms)

    for data in twelve_megapixel_photos(args.photos):
        measure(data, paths, engine, runs=args.runs, record=record)

    names = list(paths)
    print(f"\n{args.photos} photo(s) 4000x3000, median ms of {args.runs} runs each, card {CARD_WIDTH} px wide")
    print(f"{'step':<34}" + "".join(f"{name:>10}" for name in names) + "   ratios to opencv")
    for step, by_path in rows.items():
        means = {name: statistics.mean(values) for name, values in by_path.items()}
        cells = "".join(f"{means[name]:10.1f}" if name in means else f"{'-':>10}" for name in names)
        ratios = "  ".join(f"{name} {means[name] / means['opencv']:.2f}" for name in names[1:] if name in means)
        print(f"{step:<34}{cells}   {ratios}")
    ocr = statistics.mean(rows["OCR of the card (reference)"]["opencv"])
    decode = statistics.mean(rows["decode JPEG (reference)"]["opencv"])
    print(f"\nOCR per card {ocr:.1f} ms; decode {decode:.1f} ms = {decode / ocr:.2f} of it")
    for name in names:
        whole = statistics.mean(rows["whole chain"][name])
        print(f"whole chain on {name}: {whole:.1f} ms = {whole / ocr:.2f} of the OCR's time (target <= 0.15)")


if __name__ == "__main__":
    main()
