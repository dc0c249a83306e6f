"""Runs tests/services/kernels/cudasim in a fresh interpreter with NUMBA_ENABLE_CUDASIM=1 (the variable
must be set before numba is imported, and this process has imported numba already)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(bool(numba.config.ENABLE_CUDASIM), reason="already inside the simulator run")
def test_cuda_kernels_match_cpu_twins_under_the_simulator() -> None:
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/services/kernels/cudasim"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
