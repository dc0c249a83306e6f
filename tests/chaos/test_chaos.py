"""A small chaos run inside `make test`: the full one is `make chaos` (200 documents, 20+ kills)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chaos.harness import run


def test_nothing_lost_or_decided_twice_through_kills_redis_restart_flush_reviewer_outage_and_no_gpu_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 3-second BULI2 outage (make chaos: 8 s): escalations still meet it (measured: 3 BULI2 retries, the breaker
    # opened, 2 escalations deferred and delivered later) and the run takes 44 s instead of 103 s of CI's budget.
    status = run(30, kills=6, workdir=tmp_path / "chaos", timeout=300, seed=5, no_gpu_documents=5, reviewer_outage_s=3.0)
    out = capsys.readouterr().out
    assert "1 redis restart(s) (AOF), 1 FLUSHALL, 1 reviewer outage(s), 5 document(s) with no GPU worker" in out
    moved = re.search(r"gpu queue: (\d+) job\(s\) moved to the CPU queue", out)
    assert moved and int(moved.group(1)) >= 5, out[-3000:]  # at least the last phase's, all of which waited
    assert "result: lost=0 double_decisions=0 duplicate_escalations=0" in out, out[-3000:]
    assert status == 0
