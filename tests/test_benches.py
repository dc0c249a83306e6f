"""Every bench of `make bench` still starts: imports resolve and its options parse (the benches are not run in the
suite, so a renamed function broke one silently before)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHES = sorted(path.stem for path in (ROOT / "tests" / "bench").glob("bench_*.py"))


@pytest.mark.parametrize("bench", BENCHES)
def test_the_bench_starts(bench: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"tests.bench.{bench}", "--help"], cwd=ROOT, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr[-2000:]
