"""`python -m services.evaluation` on a tiny set through real Tesseract: every section, sane numbers."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

import services.evaluation.__main__ as cli
from services.evaluation.runner import card_bytes
from services.evaluation.summary import Summary
from services.samples.generate import generate_set


def test_cards_are_byte_identical_to_generate_set(tmp_path: Path) -> None:
    written = generate_set(tmp_path, seed=5, plan=[("ktp", "jpeg", 2), ("npwp", "tilt", 1)])
    for path, truth in written:
        data, result = card_bytes(seed=5, doc_type=truth.doc_type, variant=truth.variant, index=int(truth.name[-2:]))
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
        pytest.skip("tesseract-ocr is not installed")
    markdown = tmp_path_factory.mktemp("eval") / "eval.md"
    captured: dict[str, Any] = {}
    real_summarise = cli.summarise

    def spy(results: Any) -> Summary:
        captured["summary"] = real_summarise(results)
        return captured["summary"]

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        patch.setattr(cli, "summarise", spy)
        captured["rc"] = cli.main(["--count", "12", "--jobs", "1", "--markdown", str(markdown)])
    captured.update(stdout=out.getvalue(), stderr=err.getvalue(), markdown=markdown.read_text(encoding="utf-8"))
    return captured


@pytest.mark.slow
def test_tiny_run_prints_every_section(tiny_run: dict[str, Any]) -> None:
    assert tiny_run["rc"] == 0
    text = tiny_run["stdout"]
    for heading in (
        "FiLot OCR evaluation: 12 synthetic cards",
        "(a) Field accuracy per field",
        "(a) Field accuracy per degradation",
        "(b) Decisions without preprocessing",
        "(b) Decisions with preprocessing",
        "(b) Score distribution with preprocessing",
        "(c) INVALID / TAMPERED CARDS AUTO-APPROVED",
        "(d) Time",
        "command: python -m services.evaluation --count 12 --jobs 1 --markdown",
    ):
        assert heading in text
    for variant in ("clean", "tilt", "low_light", "glare", "perspective", "invalid_nik", "malformed_nik"):
        assert any(line.startswith(f"{variant} ") for line in text.splitlines()), variant
    assert "12/12 cards" in tiny_run["stderr"] and "ETA" in tiny_run["stderr"]
    assert tiny_run["markdown"].count("#### ") == 8


@pytest.mark.slow
def test_tiny_run_numbers_are_sane(tiny_run: dict[str, Any]) -> None:
    summary: Summary = tiny_run["summary"]
    assert summary.cards == 12
    prep, raw = summary.modes["prep"], summary.modes["raw"]
    assert prep.nik_by_variant["clean"].exact == 1.0
    assert prep.by_variant["clean"].exact == 1.0
    assert prep.overall.n == raw.overall.n > 12 * 10
    assert 0.8 <= prep.overall.exact <= 1.0 and 0.0 <= raw.overall.exact <= 1.0
    for mode in (raw, prep):
        assert sum(sum(row.values()) for row in mode.confusion.values()) == 12
        assert sum(mode.confusion["valid"].values()) == 10 and sum(mode.confusion["invalid"].values()) == 2
        assert mode.mean_ocr_ms > 0
    assert prep.auto_approved_bad == ()
