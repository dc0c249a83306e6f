"""`python -m devtools.capacity`: writes the document, the bench copy and cdk.json's filot:scaling, and `--check`
fails on any drift, so the committed docs/capacity.md, docs/capacity-bench.json and cdk.json stay the model's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.capacity.__main__ import main
from devtools.capacity.report import recorded_inputs

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURE = Path(__file__).with_name("bench_fixture.json")


def test_committed_document_and_cdk_json_match_the_model() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devtools.capacity", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "agree" in done.stdout


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "docs").mkdir()
    shutil.copy(REPO_ROOT / "cdk.json", tmp_path / "cdk.json")
    (tmp_path / "bench").mkdir()
    shutil.copy(FIXTURE, tmp_path / "bench" / "pipeline.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_writes_document_bench_copy_and_scaling_targets(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--bench", "bench/pipeline.json"]) == 0
    context = json.loads((workdir / "cdk.json").read_text(encoding="utf-8"))["context"]
    # 3.4 docs/s on 2 processes: GPU 1.7 x 4 x 0.8 = 5.44 docs/s x 60 s = 326 -> 320; CPU 1.36 x 60 = 81.6 -> 81.
    assert context["filot:scaling"] == {"gpuBacklogPerWorker": 320, "cpuBacklogPerWorker": 81}
    keys = list(context)
    assert keys.index("filot:scaling") == keys.index("filot:cpuWorkerMax") + 1
    copy = json.loads((workdir / "docs" / "capacity-bench.json").read_text(encoding="utf-8"))
    assert copy["pipeline_docs_per_s"] == 3.4
    assert copy["measured_on"]  # the bench file's date, as it did not say
    document = (workdir / "docs" / "capacity.md").read_text(encoding="utf-8")
    assert "per engine process = pipeline ÷ engine processes = 3.400 ÷ 2 = 1.700 docs/s" in document
    assert "docs/s             = 1.700 × 4 processes × 0.80 = 5.440 docs/s" in document
    assert "backlog per worker = 5.440 docs/s × 60 s = 326.4 → 320" in document
    assert "USD per hour       = 1 vCPU × 0.04856 + 2 GB × 0.00532 = 0.05920" in document
    assert "| bench machine | fixture: 2 vCPU test machine |" in document
    assert "Provisional" not in document
    capsys.readouterr()
    # Regenerated from the committed copy alone, offline, nothing changes.
    assert main(["--check"]) == 0
    assert main([]) == 0
    assert "wrote" not in capsys.readouterr().out


def test_check_fails_when_a_file_drifts(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--bench", "bench/pipeline.json"]) == 0
    cdk_json = workdir / "cdk.json"
    good = cdk_json.read_text(encoding="utf-8")
    cdk_json.write_text(good.replace('"gpuBacklogPerWorker": 320', '"gpuBacklogPerWorker": 300'), encoding="utf-8")
    capsys.readouterr()
    assert main(["--check"]) == 1
    assert "cdk.json is out of date with the capacity model" in capsys.readouterr().err
    cdk_json.write_text(good, encoding="utf-8")
    document = workdir / "docs" / "capacity.md"
    document.write_text(document.read_text(encoding="utf-8").replace("326.4", "330.0"), encoding="utf-8")
    assert main(["--check"]) == 1
    assert "docs/capacity.md is out of date" in capsys.readouterr().err


def test_input_flags_are_recorded_and_reused(workdir: Path) -> None:
    assert main(["--bench", "bench/pipeline.json", "--target-wait-s", "30", "--gpu-instance-price", "0.7"]) == 0
    document = (workdir / "docs" / "capacity.md").read_text(encoding="utf-8")
    assert recorded_inputs(document)["target_wait_s"] == 30
    assert "| g4dn.xlarge | USD 0.7 per hour |" in document
    context = json.loads((workdir / "cdk.json").read_text(encoding="utf-8"))["context"]
    assert context["filot:scaling"] == {"gpuBacklogPerWorker": 160, "cpuBacklogPerWorker": 40}  # 163.2, 40.8
    assert main(["--check"]) == 0  # the recorded inputs, not the defaults
    assert main(["--check", "--target-wait-s", "60"]) == 1


def test_bad_bench_and_inputs_exit_2_with_the_reason(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--bench", "bench/none.json"]) == 2
    assert "bench/none.json: no bench results; run `python -m tests.bench.bench_pipeline`" in capsys.readouterr().err
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    del data["cold_start_s"]
    (workdir / "bench" / "partial.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["--bench", "bench/partial.json"]) == 2
    assert "missing key(s) cold_start_s" in capsys.readouterr().err
    assert main(["--bench", "bench/pipeline.json", "--utilisation", "1.5"]) == 2
    assert "utilisation is 1.5" in capsys.readouterr().err
    assert not (workdir / "docs" / "capacity.md").exists()


def test_provisional_bench_is_flagged_in_the_document(workdir: Path) -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8")) | {"provisional": "Built from older figures."}
    (workdir / "bench" / "old.json").write_text(json.dumps(data), encoding="utf-8")
    os.utime(workdir / "bench" / "old.json", (0, 0))
    assert main(["--bench", "bench/old.json"]) == 0
    document = (workdir / "docs" / "capacity.md").read_text(encoding="utf-8")
    assert "> **Provisional.** Built from older figures." in document
    assert "| bench date | 1970-01-01 |" in document
