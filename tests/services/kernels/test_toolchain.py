"""The kernel census and the launch-site recording behind `make gpu-compile` (which compiles and links them for the
T4 in the GPU image's environment), and the causes the GPU worker reports when CUDA cannot run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from services.kernels.toolchain import cuda_problem, kernel_names

ROOT = Path(__file__).resolve().parents[3]


def test_every_kernel_in_the_source_is_found() -> None:
    names = kernel_names()
    assert len(names) == len(set(names)) >= 14
    assert "services.kernels.photo:_warp_kernel" in names and "services.kernels.gray:_ink_kernel" in names
    # A device function (called from kernels) is not a kernel.
    assert not any(name.endswith(("_pixel", "_twin")) for name in names)


def test_the_recording_launches_every_kernel_with_the_types_the_workers_pass() -> None:
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "services.kernels.toolchain", "record"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    launches = json.loads(done.stdout)
    assert sorted(launches) == sorted(kernel_names())  # a new kernel no workload launches fails here, not on the GPU
    images = launches["services.kernels.photo:_shrink_kernel"][0]
    assert images[0] == {"array": "uint8", "ndim": 3, "layout": "C"} and images[2] == {"scalar": "int64"}
    assert launches["services.kernels.gray:_ink_kernel"][0][0]["ndim"] == 4  # a batch of colour images


def test_the_cause_is_named_when_cuda_cannot_run() -> None:
    problem = cuda_problem()
    assert problem is not None  # no GPU on this machine
    try:
        import numba_cuda  # noqa: F401
    except ImportError:
        assert problem.code == "numba_cuda_missing" and "numba-cuda is not installed" in problem.cause
    else:
        assert (problem.code, "libNVVM" in problem.cause) in (("nvvm_missing", True), ("no_gpu", False))
