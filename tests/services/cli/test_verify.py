"""`python -m services verify --json` as a user runs it: a subprocess, one valid JSON object per document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from devtools.samples.generate import load_truths

REQUIRED_KEYS = {"path", "type", "fields", "score", "decision", "reasons", "timings_ms"}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_every_sample_prints_valid_json_with_a_decision(sample_dir: Path) -> None:
    samples = load_truths(sample_dir)
    result = run_cli("verify", "--json", *(str(path) for path, _ in samples))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(samples)
    for line, (path, truth) in zip(lines, samples, strict=True):
        doc = json.loads(line)
        assert REQUIRED_KEYS <= set(doc)
        assert doc["path"] == str(path)
        assert 0 <= doc["score"] <= 100
        assert doc["decision"] in truth.acceptable_decisions, (truth.name, doc["score"])


def test_bad_files_are_reported_per_document_without_a_traceback(tmp_path: Path, sample_dir: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    good = next(path for path, truth in load_truths(sample_dir) if truth.variant == "clean")
    result = run_cli("verify", "--json", str(text), str(tmp_path / "missing.png"), str(good))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first, second, third = (json.loads(line) for line in result.stdout.splitlines())
    assert first["error"]["code"] == "unsupported_media_type"  # the upload's own check, as the API answers it
    assert second["error"]["code"] == "unreadable_file"
    assert third["decision"] in ("approved", "needs_review")


def test_human_output_and_claims(sample_dir: Path) -> None:
    path, _truth = next((p, t) for p, t in load_truths(sample_dir) if t.variant == "clean" and t.doc_type == "ktp")
    result = run_cli("verify", str(path), "--type", "ktp", "--claimed-nik", "3171021708900001")
    assert result.returncode == 0
    assert "claim_nik_mismatch" in result.stdout and "-> needs_review" in result.stdout


def test_every_command_has_help() -> None:
    for command in ("api", "worker", "verify", "reconcile", "migrate"):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout, command
    assert run_cli("nonsense").returncode == 2
    for command in ("reviewer", "demo"):  # dev tools: their own command line
        result = subprocess.run(
            [sys.executable, "-m", "devtools", command, "--help"], capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0 and "usage:" in result.stdout, command
