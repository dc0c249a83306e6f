"""Numba CPU twins against OpenCV, step by step and as the whole preprocessing chain, on the same images.

Run with `python -m tests.bench.bench_kernels [--runs N]`. Prints the machine, median ms of N runs after a
warm-up, the twin/OpenCV ratio, and the memory-bandwidth floor of each step (bytes it must read and write /
np.copyto bandwidth). CUDA timings are printed only where numba sees a GPU.
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
from numba import cuda

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp
from services.kernels.denoise import gaussian_cpu, gaussian_cuda
from services.kernels.deskew import estimate_skew_cpu, estimate_skew_cuda, rotate_cpu, rotate_cuda
from services.kernels.dispatch import KernelPreprocessor, warm_up
from services.kernels.gray import gray_cpu, gray_cuda
from services.kernels.normalise import normalise_cpu, normalise_cuda
from services.kernels.resize import resize_cpu, resize_cuda
from services.kernels.threshold import adaptive_threshold_cpu, adaptive_threshold_cuda
from services.pipeline import preprocess as cvp


def median_ms(fn: Callable[[], object], runs: int, *, clock: Callable[[], float] = time.perf_counter) -> float:
    """Median milliseconds of fn over runs after one warm-up call, by clock (wall time; time.process_time for
    the CPU the process spent)."""
    fn()
    times = []
    for _ in range(runs):
        started = clock()
        fn()
        times.append(clock() - started)
    return statistics.median(times) * 1000


def copy_bandwidth() -> float:
    """Bytes per second that np.copyto moves (read + write), 64 MiB buffers."""
    src = np.ones(64 << 20, dtype=np.uint8)
    dst = np.empty_like(src)
    ms = median_ms(lambda: np.copyto(dst, src), 9)
    return 2 * src.nbytes / (ms / 1000)


def cv_normalise(gray: np.ndarray) -> np.ndarray:
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist)
    lo = int(np.searchsorted(cdf, max(np.ceil(gray.size * 0.01), 1)))
    hi = int(np.searchsorted(cdf, max(np.ceil(gray.size * 0.99), 1)))
    if hi <= lo:
        return gray.copy()
    table = np.clip(np.rint((np.arange(256) - lo) * 255 / (hi - lo)), 0, 255).astype(np.uint8)
    return cv2.LUT(gray, table)


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"nproc={os.cpu_count()}  cpu={model}  numba threads={__import__('numba').get_num_threads()}  opencv={cv2.__version__}"


def _card() -> np.ndarray:
    """A drawn KTP; where its fonts are not installed (a bare GPU machine), lines of OpenCV's built-in font."""
    try:
        return cv2.cvtColor(np.array(render_ktp(random_ktp_fields(random.Random(1))).convert("RGB")), cv2.COLOR_RGB2BGR)
    except RuntimeError:
        card = np.full((630, 1000, 3), (235, 225, 205), np.uint8)
        for row in range(14):
            cv2.putText(card, f"NAMA : TEXT LINE {row} 3171021708900001", (40, 40 + 42 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (30, 30, 30), 2)
        return card


def images() -> dict[str, np.ndarray]:
    card = _card()
    card = cvp.rotate(card, 3.0)
    photo = cv2.resize(card, (3000, 1900), interpolation=cv2.INTER_CUBIC)
    return {"card 1000x630": card, "photo 3000x1900": photo}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(machine())
    bandwidth = copy_bandwidth()
    print(f"np.copyto bandwidth: {bandwidth / 1e9:.2f} GB/s (read + write)")
    started = time.perf_counter()
    warm_up("cpu")
    print(f"warm_up (numba cache load/compile): {time.perf_counter() - started:.2f} s")
    header = f"{'image':16} {'step':22} {'opencv ms':>10} {'twin ms':>9} {'twin/cv':>8} {'floor ms':>9} {'cv/floor':>9} {'twin/floor':>10}"
    kernel_pre = KernelPreprocessor("cpu", card_width=1000)
    for name, bgr in images().items():
        print()
        print(header)
        bench_image(name, bgr, args.runs, bandwidth, kernel_pre)
        if cuda.is_available():
            cuda_timings(name, bgr, args.runs)
    if not cuda.is_available():
        print("\nCUDA: not available, skipped")


def bench_image(name: str, bgr: np.ndarray, runs: int, bandwidth: float, kernel_pre: KernelPreprocessor) -> None:
    """One table block: every step of one image, OpenCV then the twin, against the bandwidth floor."""
    gray = cvp.to_gray(bgr)
    card = cvp.normalise_width(gray, width=1000)
    small = cvp.normalise_width(card, width=500)
    skew = cvp.estimate_skew(card)
    n, nc, ns = gray.size, card.size, small.size
    steps: list[tuple[str, Callable[[], object], Callable[[], object], int]] = [
        ("gray", lambda: cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), lambda: gray_cpu(bgr), 4 * n),
        (
            "resize->1000 (area)",
            lambda: cvp.normalise_width(gray, width=1000),
            lambda: resize_cpu(gray, width=1000),
            n + nc,
        ),
        ("gaussian 3x3", lambda: cv2.GaussianBlur(card, (3, 3), 0), lambda: gaussian_cpu(card), 2 * nc),
        ("normalise 1-99%", lambda: cv_normalise(card), lambda: normalise_cpu(card), 3 * nc),
        (
            "adaptive threshold 15",
            lambda: cv2.adaptiveThreshold(card, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, 15),
            lambda: adaptive_threshold_cpu(card, inverse=False),
            2 * nc,
        ),
        ("skew estimate", lambda: cvp.estimate_skew(card), lambda: estimate_skew_cpu(card), nc + 2 * ns),
        ("rotate", lambda: cvp.rotate(card, skew), lambda: rotate_cpu(card, skew), 2 * nc),
        (
            "CHAIN gray+resize+deskew",
            lambda: cvp.preprocess(bgr, card_width=1000),
            lambda: kernel_pre(bgr, card_width=1000),
            4 * n + nc + nc + 2 * ns + 2 * nc,
        ),
    ]
    for step, opencv, twin, nbytes in steps:
        cv_ms = median_ms(opencv, runs)
        tw_ms = median_ms(twin, runs)
        floor = nbytes / bandwidth * 1000
        print(
            f"{name:16} {step:22} {cv_ms:10.2f} {tw_ms:9.2f} {tw_ms / cv_ms:8.2f} "
            f"{floor:9.3f} {cv_ms / floor:9.1f} {tw_ms / floor:10.1f}"
        )


def cuda_timings(name: str, bgr: np.ndarray, runs: int, n: int = 8) -> None:
    """Per-step device timings for a batch of n copies (host<->device copies included) and images/s."""
    batch = np.stack([bgr] * n)
    dev = cuda.to_device(batch)
    g = gray_cuda(dev, keep_on_device=True)
    r = resize_cuda(g, width=1000, keep_on_device=True)
    angles = estimate_skew_cuda(r)

    def sync(fn: Callable[[], object]) -> Callable[[], object]:
        return lambda: (fn(), cuda.synchronize())

    name_of_gpu = cuda.get_current_device().name  # bytes from numba's own target, str from numba-cuda
    print(f"\nCUDA ({name_of_gpu.decode() if isinstance(name_of_gpu, bytes) else name_of_gpu}), batch of {n} x {name}:")
    steps = [
        ("upload", lambda: cuda.to_device(batch)),
        ("gray", lambda: gray_cuda(dev, keep_on_device=True)),
        ("resize", lambda: resize_cuda(g, width=1000, keep_on_device=True)),
        ("gaussian", lambda: gaussian_cuda(r, keep_on_device=True)),
        ("normalise", lambda: normalise_cuda(r, keep_on_device=True)),
        ("threshold", lambda: adaptive_threshold_cuda(r, keep_on_device=True)),
        ("skew estimate", lambda: estimate_skew_cuda(r)),
        ("rotate", lambda: rotate_cuda(r, angles, keep_on_device=True)),
        ("CHAIN (host in/out)", lambda: KernelPreprocessor("cuda").run_batch(list(batch))),
    ]
    for step, fn in steps:
        ms = median_ms(sync(fn), runs)
        print(f"  {step:22} {ms:9.2f} ms  {n / (ms / 1000):9.1f} images/s")


if __name__ == "__main__":
    main()
