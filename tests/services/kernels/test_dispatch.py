"""Backend choice and the chain: same contract and (default steps) same output as the OpenCV preprocess."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from numba import cuda

from services.kernels import dispatch
from services.kernels.dispatch import KernelPreprocessor, choose_backend
from services.pipeline.preprocess import preprocess
from tests.services.kernels.conftest import diff, noise

no_gpu = not cuda.is_available()


@pytest.mark.skipif(not no_gpu, reason="a CUDA GPU is present")
def test_auto_falls_back_to_cpu_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(dispatch, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="services.kernels.dispatch"):
        assert choose_backend("auto") == "cpu"
        assert choose_backend("auto") == "cpu"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "CUDA kernels cannot run" in warnings[0].getMessage()


@pytest.mark.skipif(not no_gpu, reason="a CUDA GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error_with_its_real_cause() -> None:
    with pytest.raises(dispatch.CudaUnavailable, match="'cuda' was requested but CUDA kernels cannot run") as caught:
        choose_backend("cuda")
    # The cause, not "no GPU" for everything: here numba-cuda (the test environment has numba's own target).
    assert caught.value.problem.code in ("numba_cuda_missing", "nvvm_missing", "no_gpu")
    assert caught.value.problem.cause in str(caught.value)


def test_cpu_and_unknown_backends() -> None:
    assert choose_backend("cpu") == "cpu"
    with pytest.raises(ValueError, match="backend"):
        choose_backend("gpu")
    with pytest.raises(ValueError, match="steps"):
        KernelPreprocessor("cpu", steps=("gray", "sharpen"))


@pytest.mark.parametrize("angle", [0.0, 4.0])
def test_chain_matches_opencv_preprocess(card_bgr: np.ndarray, angle: float) -> None:
    from services.pipeline.preprocess import rotate

    image = rotate(card_bgr, angle) if angle else card_bgr
    large = np.ascontiguousarray(np.repeat(np.repeat(image, 2, axis=0), 2, axis=1))
    for source in (image, large):
        gray, quality, skew = KernelPreprocessor("cpu")(source, card_width=1000)
        ref_gray, ref_quality, ref_skew = preprocess(source, card_width=1000)
        assert abs(skew - ref_skew) <= 0.2
        assert quality.width == ref_quality.width and quality.height == ref_quality.height
        assert abs(quality.brightness - ref_quality.brightness) < 0.5
        if skew == ref_skew:
            assert diff(gray, ref_gray).max() <= 2


def test_run_batch_keeps_order_and_optional_steps(card_bgr: np.ndarray) -> None:
    images = [card_bgr, noise((40, 30, 3)), card_bgr[:, :500]]
    pre = KernelPreprocessor(
        "cpu", card_width=320, steps=("gray", "resize", "denoise", "normalise", "deskew", "threshold")
    )
    results = pre.run_batch(images)
    assert [r[0].shape[1] for r in results] == [320, 320, 320]
    assert set(np.unique(results[0][0])) <= {0, 255}


def test_warm_up_compiles_every_cpu_twin_before_the_first_document() -> None:
    """After warm_up a worker's first card pays no compilation: every parallel twin the chain and the photo steps
    run has a compiled signature (numba compiles lazily, on first call, otherwise)."""
    import numba

    KernelPreprocessor("cpu").warm_up()
    twins = [
        value
        for module in ("denoise", "deskew", "gray", "normalise", "photo", "resize", "threshold")
        for value in vars(__import__(f"services.kernels.{module}", fromlist=["_"])).values()
        if isinstance(value, numba.core.registry.CPUDispatcher) and getattr(value, "targetoptions", {}).get("parallel")
    ]
    assert len(twins) >= 10
    uncompiled = [twin.py_func.__qualname__ for twin in twins if not twin.signatures]
    assert uncompiled == []
