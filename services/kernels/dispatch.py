"""Backend choice and the kernel preprocessing chain (same contract as services.pipeline.preprocess.preprocess).

`choose_backend("auto")` takes CUDA when its kernels can run, else the CPU twins with one logged warning naming the
cause; `choose_backend("cuda")` (the GPU service) raises CudaUnavailable with the cause instead.
`KernelPreprocessor` chains ink|gray -> resize -> [denoise] -> [normalise] -> quality -> deskew -> [threshold]
(on the CPU the deskew's rotation is OpenCV's warpAffine, which rotate_cpu mirrors);
the default steps are services.pipeline.preprocess's (ink, resize, deskew): the readers see each pixel's
brightest channel, the chain that kept OCR accuracy and lifts the e-KTP's guilloche.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from services.core.model import ImageQuality
from services.kernels.denoise import gaussian_cpu, gaussian_cuda
from services.kernels.deskew import deskew_cpu, estimate_skew_cpu, estimate_skew_cuda, rotate_cpu, rotate_cuda
from services.kernels.gray import gray_cpu, gray_cuda, ink_cpu, ink_cuda
from services.kernels.normalise import normalise_cpu, normalise_cuda
from services.kernels.photo import shrink_cpu, shrink_cuda, warp_cpu, warp_cuda
from services.kernels.quality import quality_cpu, quality_cuda
from services.kernels.resize import resize_cpu, resize_cuda
from services.kernels.threshold import adaptive_threshold_cpu, adaptive_threshold_cuda
from services.kernels.toolchain import CudaProblem, cuda_problem
from services.pipeline.preprocess import rotate

log = logging.getLogger(__name__)

BACKENDS = ("auto", "cuda", "cpu")
STEPS = ("ink", "gray", "resize", "denoise", "normalise", "deskew", "threshold")
DEFAULT_STEPS = ("ink", "resize", "deskew")
_warned = False

Result = tuple[np.ndarray, ImageQuality, float]


class CudaUnavailable(RuntimeError):
    """CUDA was required (the GPU service) and cannot run: problem says why (services.kernels.toolchain)."""

    def __init__(self, problem: CudaProblem) -> None:
        super().__init__(f"kernel backend 'cuda' was requested but CUDA kernels cannot run: {problem.cause}")
        self.problem = problem


def choose_backend(requested: str) -> str:
    """ "cuda" or "cpu" for a request of "auto", "cuda" or "cpu". "cuda" is what the GPU service asks for: it raises
    CudaUnavailable with the real cause instead of running the CPU twins on a GPU instance."""
    global _warned
    if requested not in BACKENDS:
        raise ValueError(f"kernel backend must be one of {', '.join(BACKENDS)}, not {requested!r}")
    if requested == "cpu":
        return "cpu"
    problem = _problem()
    if problem is None:
        return "cuda"
    if requested == "cuda":
        raise CudaUnavailable(problem)
    if not _warned:
        _warned = True
        log.warning("kernel backend auto: using the CPU twins because CUDA kernels cannot run: %s", problem.cause)
    return "cpu"


def _problem() -> CudaProblem | None:
    from numba import config

    if config.ENABLE_CUDASIM:  # the simulator stands for a GPU in the kernel tests
        return None
    return cuda_problem()


class KernelPreprocessor:
    """Callable like services.pipeline.preprocess.preprocess: (gray for OCR, quality, skew removed)."""

    def __init__(self, backend: str = "auto", card_width: int = 1000, steps: Sequence[str] = DEFAULT_STEPS) -> None:
        unknown = [s for s in steps if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown preprocessing steps {unknown}; known: {', '.join(STEPS)}")
        self.backend = choose_backend(backend)
        self.card_width = card_width
        self.steps = tuple(steps)
        self._luma = "gray" in self.steps and "ink" not in self.steps  # luma asked for instead of the ink

    def __call__(self, image_bgr: np.ndarray, *, card_width: int | None = None) -> Result:
        return self.run_batch([image_bgr], card_width=card_width)[0]

    def run_batch(self, images: list[np.ndarray], *, card_width: int | None = None) -> list[Result]:
        """One result per image, in order; on CUDA, same-size images share one launch per step."""
        width = card_width or self.card_width
        if self.backend == "cpu":
            return [self._cpu(image, width) for image in images]
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for index, image in enumerate(images):
            groups[image.shape].append(index)
        results: list[Result | None] = [None] * len(images)
        for indices in groups.values():
            batch = np.stack([images[i] for i in indices])
            for i, result in zip(indices, self._cuda(batch, width), strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    def _cpu(self, image: np.ndarray, width: int) -> Result:
        steps = self.steps
        gray = (gray_cpu if self._luma else ink_cpu)(image) if image.ndim == 3 else image
        if "resize" in steps:
            gray = resize_cpu(gray, width=width)
        if "denoise" in steps:
            gray = gaussian_cpu(gray)
        if "normalise" in steps:
            gray = normalise_cpu(gray)
        quality = quality_cpu(gray)
        skew = 0.0
        if "deskew" in steps:
            skew = estimate_skew_cpu(gray)
            # The rotation itself through OpenCV's warpAffine, which rotate_cpu mirrors within one grey level, at
            # a fifth of its time (BENCHMARKS.md, kernels): rotate_cpu remains the CUDA kernel's reference in tests.
            gray = rotate(gray, skew)
        if "threshold" in steps:
            gray = adaptive_threshold_cpu(gray, inverse=False)
        return gray, quality, skew

    def _cuda(self, batch: np.ndarray, width: int) -> list[Result]:
        from numba import cuda

        steps = self.steps
        data: Any = cuda.to_device(np.ascontiguousarray(batch))
        if batch.ndim == 4:
            data = (gray_cuda if self._luma else ink_cuda)(data, keep_on_device=True)
        if "resize" in steps:
            data = resize_cuda(data, width=width, keep_on_device=True)
        if "denoise" in steps:
            data = gaussian_cuda(data, keep_on_device=True)
        if "normalise" in steps:
            data = normalise_cuda(data, keep_on_device=True)
        # Measured on the device: four totals per card come back, not the card (one upload, one download).
        qualities = quality_cuda(data)
        skews = [0.0] * len(qualities)
        if "deskew" in steps:
            skews = estimate_skew_cuda(data)
            data = rotate_cuda(data, skews, keep_on_device=True)
        if "threshold" in steps:
            data = adaptive_threshold_cuda(data, inverse=False, keep_on_device=True)
        out = data.copy_to_host()
        return list(zip(list(out), qualities, skews, strict=True))

    def shrink(self, image: np.ndarray, factor: int) -> np.ndarray:
        """The photo shrunk for the card finder: the mean of each factor x factor block, every channel."""
        if factor == 1:
            return image
        return shrink_cpu(image, factor) if self.backend == "cpu" else shrink_cuda(image, factor)

    def warp(self, image: np.ndarray, corners: np.ndarray, *, width: int, height: int) -> np.ndarray:
        """The card warped out of the photo (bilinear, edges replicated)."""
        if self.backend == "cpu":
            return warp_cpu(image, corners, width=width, height=height)
        return warp_cuda(image, corners, width=width, height=height)

    def warm_up(self) -> None:
        """Compile (or load from the numba cache) every kernel of this backend on a tiny image."""
        warm_up(self.backend)


def warm_up(backend: str = "cpu") -> None:
    """Runs every step once on an 8x8 image so that the first real document pays no JIT time."""
    tiny = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    gray = gray_cpu(tiny)
    ink_cpu(tiny)
    for width in (4, 3, 2, 16):  # each resize path: 2x2 block, separable area, whole-number block, bilinear
        resize_cpu(gray, width=width)
    gaussian_cpu(gray)
    normalise_cpu(gray)
    quality_cpu(gray)
    adaptive_threshold_cpu(gray)
    deskew_cpu(gray)
    rotate_cpu(gray, 1.0)
    square = np.array([[0, 0], [8, 0], [8, 8], [0, 8]], np.float32)
    shrink_cpu(tiny, 2)
    warp_cpu(tiny, square, width=4, height=4)
    if backend == "cuda":
        batch = tiny[None]
        g = gray_cuda(batch)
        ink_cuda(batch)
        resize_cuda(g, width=4)
        resize_cuda(g, width=16)
        gaussian_cuda(g)
        normalise_cuda(g)
        quality_cuda(g)
        adaptive_threshold_cuda(g)
        rotate_cuda(g, estimate_skew_cuda(g))
        shrink_cuda(tiny, 2)
        warp_cuda(tiny, square, width=4, height=4)
