"""`make gpu-check`: what can only be measured on a machine with an NVIDIA GPU, in one run and one result file.

1. whether CUDA kernels can run here (the cause when not: then it says so and stops, exit 0);
2. every kernel compiled and linked for the T4 (sm_75) and for this GPU's own architecture;
3. the kernel tests on real CUDA (each kernel against its CPU twin; tests/services/kernels/cudasim);
4. the cost of the first call of each launch wrapper (the JIT a new task pays) against a warm call;
5. the photo chain's kernels on a 12-megapixel photo: CUDA (with and without the copies) beside OpenCV and the CPU
   twins, and the card chain (ink, resize, deskew) on batches;
6. numba's on-disk kernel cache: a fresh process's first warp call with an empty cache and with the cache the
   previous process wrote (what caching could save a new task; docs/gpu.md);
7. the kernel bench (tests/bench/bench_kernels) as it prints with a GPU.

Run with `python -m tests.gpu_check --out var/gpu-check.txt`; needs numpy, numba with numba-cuda, OpenCV (no
Tesseract, no servers).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# GPU_CHECK_SCALE < 1 shrinks every image (a smoke run under NUMBA_ENABLE_CUDASIM, where a thread costs ~200 us).
SCALE = float(os.environ.get("GPU_CHECK_SCALE", "1"))


def _px(n: int) -> int:
    return max(8, round(n * SCALE))


class Report:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def say(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join(self.lines) + "\n")


def _median_ms(fn: Callable[[], Any], runs: int, sync: Callable[[], None] = lambda: None) -> float:
    fn()
    sync()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _run(report: Report, title: str, command: list[str], env: dict[str, str] | None = None, timeout: int = 300) -> int:
    report.say(f"\n## {title}\n$ {' '.join(command)}")
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    for line in (done.stdout + done.stderr).strip().splitlines()[-60:]:
        report.say(line)
    report.say(f"(exit {done.returncode}, {time.monotonic() - started:.1f} s)")
    return done.returncode


def machine(report: Report) -> None:
    import numba
    import numpy as np

    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}", f"numba {numba.__version__}"]
    try:
        import numba_cuda

        versions.append(f"numba-cuda {getattr(numba_cuda, '__version__', '?')}")
    except ImportError:
        versions.append("numba-cuda missing")
    report.say("# make gpu-check\n" + ", ".join(versions))
    try:
        smi = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=False,
        )
        report.say(f"nvidia-smi: {smi.stdout.strip() or smi.stderr.strip()}")
    except FileNotFoundError:
        report.say("nvidia-smi: not found")


def first_calls(report: Report) -> None:
    """Each launch wrapper's first call (compiles its kernels for this GPU) against a warm call."""
    import numpy as np
    from numba import cuda

    from services.kernels import denoise, deskew, gray, normalise, photo, resize, threshold

    rng = np.random.default_rng(1)
    colour = rng.integers(0, 256, (2, _px(631), _px(1000), 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (2, _px(631), _px(1000)), dtype=np.uint8)
    corners = np.array([[40, 30], [960, 50], [950, 600], [30, 580]], np.float32) * SCALE
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("ink", lambda: gray.ink_cuda(colour)),
        ("gray", lambda: gray.gray_cuda(colour)),
        ("resize", lambda: resize.resize_cuda(grey, width=_px(800))),
        ("gaussian", lambda: denoise.gaussian_cuda(grey)),
        ("normalise", lambda: normalise.normalise_cuda(grey)),
        ("skew estimate", lambda: deskew.estimate_skew_cuda(grey)),
        ("rotate", lambda: deskew.rotate_cuda(grey, [2.0, -1.0])),
        ("threshold", lambda: threshold.adaptive_threshold_cuda(grey)),
        ("shrink", lambda: photo.shrink_cuda(colour[0], 4)),
        ("warp", lambda: photo.warp_cuda(colour[0], corners, width=_px(1000), height=_px(631))),
    ]
    report.say("\n## First call (JIT for this GPU) vs warm call, ms")
    report.say(f"{'wrapper':<16} {'first':>9} {'warm':>8}")
    total = 0.0
    for name, call in calls:
        started = time.perf_counter()
        call()
        cuda.synchronize()
        first = (time.perf_counter() - started) * 1000
        total += first
        warm = _median_ms(call, 5, cuda.synchronize)
        report.say(f"{name:<16} {first:9.1f} {warm:8.2f}")
    report.say(f"first calls together: {total / 1000:.1f} s (what a new task pays without a kernel cache)")


def photo_chain(report: Report) -> None:
    """The photo's per-pixel steps on a 4000x3000 photo: CUDA with copies, CUDA on the device, OpenCV, CPU twins."""
    import cv2
    import numpy as np
    from numba import cuda

    from services.kernels import photo
    from services.kernels.dispatch import KernelPreprocessor
    from services.pipeline.preprocess import OPENCV

    rng = np.random.default_rng(2)
    image = cv2.GaussianBlur(rng.integers(0, 256, (_px(3000), _px(4000), 3), dtype=np.uint8), (0, 0), 2)
    corners = np.array([[900, 700], [3100, 800], [3050, 2200], [950, 2150]], np.float32) * SCALE
    width, height = _px(1000), _px(631)
    on_device = cuda.to_device(image)
    sync = cuda.synchronize
    rows = [
        (
            "shrink x7 (finder's copy)",
            _median_ms(lambda: photo.shrink_cuda(image, 7), 9, sync),
            _median_ms(lambda: photo.shrink_cuda(on_device, 7, keep_on_device=True), 9, sync),
            _median_ms(lambda: OPENCV.shrink(image, 7), 9),
            _median_ms(lambda: photo.shrink_cpu(image, 7), 5),
        ),
        (
            "warp to 1000x631",
            _median_ms(lambda: photo.warp_cuda(image, corners, width=width, height=height), 9, sync),
            _median_ms(lambda: photo.warp_cuda(on_device, corners, width=width, height=height, keep_on_device=True), 9, sync),
            _median_ms(lambda: OPENCV.warp(image, corners, width=width, height=height), 9),
            _median_ms(lambda: photo.warp_cpu(image, corners, width=width, height=height), 5),
        ),
    ]
    report.say("\n## Photo kernels on a 4000x3000 photo, median ms")
    report.say(f"{'step':<28} {'CUDA+copies':>12} {'CUDA on device':>15} {'OpenCV':>8} {'CPU twins':>10}  OpenCV/CUDA+copies")
    for name, with_copies, device_only, opencv, twins in rows:
        report.say(f"{name:<28} {with_copies:12.2f} {device_only:15.3f} {opencv:8.2f} {twins:10.2f}  {opencv / with_copies:.2f}")
    card = cv2.resize(image, (width, height))
    kernels = KernelPreprocessor("cuda", card_width=width)
    for size in (1, 5, 16):
        cards = [card] * size
        gpu = _median_ms(lambda c=cards: kernels.run_batch(c), 5)
        cpu = _median_ms(lambda c=cards: [OPENCV(x, card_width=width) for x in c], 5)
        report.say(f"card chain (ink, resize, deskew), batch of {size:>2}: CUDA {gpu:7.2f} ms, OpenCV {cpu:7.2f} ms, "
                   f"OpenCV/CUDA {cpu / gpu:.2f}")


_CACHE_PROBE = """
import sys, time
import numpy as np
from numba import cuda
from services.kernels import photo
kernel = cuda.jit(cache=True)(photo._warp_kernel.py_func)
src = cuda.to_device(np.zeros((300, 400, 3), np.uint8))
out = cuda.device_array((63, 100, 3), np.uint8)
started = time.perf_counter()
kernel[(7, 4, 3), (16, 16, 1)](src, out, *[float(v) for v in np.eye(3).ravel()])
cuda.synchronize()
print(f"{(time.perf_counter() - started) * 1000:.1f}")
"""


def kernel_cache(report: Report) -> None:
    """The warp kernel compiled with cache=True, its first call in two fresh processes sharing NUMBA_CACHE_DIR."""
    import tempfile

    with tempfile.TemporaryDirectory() as cache_dir:
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"} | {"NUMBA_CACHE_DIR": cache_dir}
        times = []
        for _ in range(2):
            done = subprocess.run([sys.executable, "-c", _CACHE_PROBE], env=env, cwd=ROOT, capture_output=True,
                                  text=True, timeout=300, check=True)
            times.append(float(done.stdout.strip().splitlines()[-1]))
        files = sum(1 for _ in Path(cache_dir).rglob("*") if _.is_file())
    report.say("\n## Kernel cache (warp kernel, cache=True), first call in a fresh process, ms")
    report.say(f"empty cache {times[0]:.1f}; cache from the previous process {times[1]:.1f} ({files} cache files)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "gpu-check.txt")
    args = parser.parse_args()
    report = Report(args.out)
    machine(report)
    from services.kernels.toolchain import cuda_problem

    problem = cuda_problem()
    if problem is not None:
        report.say(f"\nno GPU check here: CUDA kernels cannot run on this machine ({problem.code}): {problem.cause}")
        report.say("Run `make gpu-check` on a machine with an NVIDIA GPU (and GPU_PY pointing at a Python with the "
                   "toolchain, e.g. GPU_PY=python3 where it is installed).")
        report.save()
        return 0
    from numba import cuda

    device = cuda.get_current_device()
    arch = "sm_{}{}".format(*device.compute_capability)
    report.say(f"GPU: {device.name.decode() if isinstance(device.name, bytes) else device.name}, {arch}")
    failures = 0
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    for target in dict.fromkeys(("sm_75", arch)):
        failures += _run(report, f"Compile and link for {target}", [sys.executable, "-m", "services.kernels.toolchain",
                                                                    "compile", "--arch", target], env) != 0
    failures += _run(report, "Kernel tests on real CUDA", [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                          "--noconftest", "tests/services/kernels/cudasim"], env) != 0
    for step in (first_calls, photo_chain, kernel_cache):
        try:
            step(report)
        except Exception as exc:  # noqa: BLE001 (a failed section is reported, the others still run)
            failures += 1
            report.say(f"{step.__name__} FAILED: {type(exc).__name__}: {exc}")
    _run(report, "Kernel bench (as make bench prints it with a GPU)", [sys.executable, "-m", "tests.bench.bench_kernels",
                                                                      "--runs", "9"], env, timeout=400)
    report.say(f"\n{failures} failed section(s)")
    report.save()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
