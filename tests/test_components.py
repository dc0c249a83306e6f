"""Strict mode: under FILOT_TEST_STRICT=1 a skip for a missing real component fails; without it, it skips."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = '''
from tests.components import skip_missing


def test_needs_a_component() -> None:
    skip_missing("a server this machine does not have")


def test_an_ordinary_skip() -> None:
    import pytest

    pytest.skip("not a component")
'''


@pytest.mark.parametrize(("strict", "expected"), [("1", "1 failed, 1 skipped"), ("0", "2 skipped")])
def test_a_missing_component_fails_only_in_strict_mode(strict: str, expected: str) -> None:
    probe = ROOT / "tests" / f"test_probe_{uuid.uuid4().hex[:8]}.py"
    probe.write_text(PROBE)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=line", str(probe)],
            cwd=ROOT, env={**os.environ, "FILOT_TEST_STRICT": strict}, capture_output=True, text=True, timeout=300,
            check=False,
        )
    finally:
        probe.unlink()
    assert expected in done.stdout, done.stdout[-2000:]
    if strict == "1":
        assert "FAILED" in done.stdout and "test_needs_a_component" in done.stdout
        assert "a real component is missing: Skipped: missing component: a server this machine does not have" in done.stdout
