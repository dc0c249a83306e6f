"""The static checks of `make lint`, in the suite so CI fails on a new finding: bandit over the code that ships
(services/, stacks/; every finding fixed or marked `# nosec <test>` with its reason on the line above), and mypy
over services/, stacks/ and devtools/ (strict for services/core and services/pipeline; pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_finds_nothing_unexplained() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "services", "stacks", "-q", "-f", "txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "stacks").rglob("*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, source in enumerate(lines):
            if "# nosec" in source:
                reason = lines[number - 1].strip() if number else ""
                assert reason.startswith("# bandit "), f"{path}:{number + 1}: a nosec without its reason above"


def test_mypy_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "services", "stacks", "devtools"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
