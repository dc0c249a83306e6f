"""`python -m devtools.evaluation` on a tiny set through real Tesseract: every section, sane numbers."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

import devtools.evaluation.__main__ as cli
from devtools.evaluation.runner import card_bytes
from devtools.evaluation.summary import Summary
from devtools.samples.generate import generate_set
from tests.components import skip_missing


def test_cards_are_byte_identical_to_generate_set(tmp_path: Path) -> None:
    written = generate_set(tmp_path, seed=5, plan=[("ktp", "jpeg", 2), ("npwp", "tilt", 1), ("ektp", "cut", 1)])
    for path, truth in written:
        data, result = card_bytes(seed=5, design=truth.design, variant=truth.variant, index=int(truth.name[-2:]))
        assert data == path.read_bytes()
        assert (result.name, result.truth_fields, result.valid) == (truth.name, truth.fields, truth.valid)


def test_cli_refuses_bad_counts(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--count", "0"], ["--jobs", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "--count must be at least 1" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("tesseract") is None:
        skip_missing("tesseract-ocr is not installed")
    markdown = tmp_path_factory.mktemp("eval") / "eval.md"
    captured: dict[str, Any] = {}
    real_summarise = cli.summarise

    def spy(results: Any) -> Summary:
        captured["summary"] = real_summarise(results)
        return captured["summary"]

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        patch.setattr(cli, "summarise", spy)
        captured["rc"] = cli.main(["--count", "24", "--jobs", "1", "--markdown", str(markdown), "--show-misses"])
    captured.update(stdout=out.getvalue(), stderr=err.getvalue(), markdown=markdown.read_text(encoding="utf-8"))
    return captured


@pytest.mark.slow
def test_tiny_run_prints_every_section(tiny_run: dict[str, Any]) -> None:
    assert tiny_run["rc"] == 0
    text = tiny_run["stdout"]
    for heading in (
        "FiLot OCR evaluation: 24 synthetic cards",
        "Per design",
        "Fields: national e-KTP",
        "Per variant: national e-KTP",
        "Decisions: national e-KTP",
        "Scores: national e-KTP",
        "INVALID / TAMPERED CARDS AUTO-APPROVED",
        "configuration: engine auto ind+eng psm 6, card width 1000, approve at 85, reject below 35",
        "command: python -m devtools.evaluation --count 24 --jobs 1 --markdown",
        "Misses",
    ):
        assert heading in text
    for variant in ("clean", "margin", "cut", "blur", "jpeg", "rotate", "uneven_light"):
        assert any(line.startswith(f"{variant} ") for line in text.splitlines()), variant
    assert "24/24 cards" in tiny_run["stderr"] and "ETA" in tiny_run["stderr"]
    assert tiny_run["markdown"].count("#### ") >= 7


@pytest.mark.slow
def test_tiny_run_numbers_are_sane(tiny_run: dict[str, Any]) -> None:
    summary: Summary = tiny_run["summary"]
    assert summary.cards == 24
    ektp = summary.designs["ektp"]
    assert ektp.nik is not None and ektp.nik.exact == 1.0
    assert ektp.overall.exact >= 0.95
    assert ektp.valid_rejected == 0 and ektp.valid_approved >= ektp.valid_cards - 1
    assert ektp.read_by_layout.get("ektp", 0) == ektp.cards
    assert 0 < ektp.mean_cpu_ms < 5000
    assert summary.auto_approved_bad == ()


def test_the_decision_knobs_are_options_read_through_the_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--weights` and the thresholds set their FILOT_* variables for the run: the configuration line shows them,
    and a bad value is refused in one line, as the services refuse it."""
    if shutil.which("tesseract") is None:
        skip_missing("tesseract-ocr is not installed")
    for _, variable, _, _ in cli.KNOBS:
        # setenv first: monkeypatch then records the variable and restores it (absent) after the test, whatever
        # main() writes into os.environ; a bare delenv of an absent variable records nothing, and the knobs leaked
        # into every later test.
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)
    assert cli.main(["--weights", '{"nonsense": 1}', "--count", "1"]) == 2
    assert "FILOT_SCORE_WEIGHTS names unknown components: nonsense" in capsys.readouterr().err
    assert cli.main(["--weights", "{not json", "--count", "1"]) == 2
    assert "FILOT_SCORE_WEIGHTS" in capsys.readouterr().err
    rc = cli.main(["--count", "2", "--jobs", "1", "--weights", '{"image_quality": 10}', "--approve-at", "90"])
    out = capsys.readouterr().out
    assert rc in (0, 1)
    assert "approve at 90, reject below 35" in out and "image_quality=10.0" in out
