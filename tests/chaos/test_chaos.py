"""A small chaos run inside `make test`: the full one is `make chaos` (200 documents, 20+ kills)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.harness import run


def test_nothing_lost_or_decided_twice_through_kills_redis_restart_flush_and_reviewer_outage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(30, kills=6, workdir=tmp_path / "chaos", timeout=300, seed=5)
    out = capsys.readouterr().out
    assert "1 redis restart(s) (AOF), 1 FLUSHALL, 1 reviewer outage(s)" in out
    assert "result: lost=0 double_decisions=0 duplicate_escalations=0" in out, out[-3000:]
    assert status == 0
