"""Summaries and reports built from hand-made card results: numbers, sections and the bad-approval alarm."""

from __future__ import annotations

from services.evaluation.report import RunInfo, format_markdown, format_text
from services.evaluation.summary import CardResult, Outcome, summarise

NIK = "3273031003931942"
INFO = RunInfo(command="python -m services.evaluation --count 4", seed=7, jobs=2, wall_s=12.5)


def _card(name: str, variant: str, *, valid: bool, fields: dict[str, str], raw: Outcome, prep: Outcome) -> CardResult:
    acceptable = ("approved", "needs_review") if valid else ("needs_review", "rejected") if fields else ("rejected",)
    return CardResult(
        name=name,
        doc_type="ktp",
        variant=variant,
        valid=valid,
        acceptable_decisions=acceptable,
        truth_fields=fields,
        outcomes={"raw": raw, "prep": prep},
    )


def _results(*, prep_approves_invalid: bool = False) -> list[CardResult]:
    truth = {"nik": NIK, "name": "BUDI SANTOSO"}
    exact = dict(truth)
    return [
        _card(
            "ktp-clean-01",
            "clean",
            valid=True,
            fields=truth,
            raw=Outcome("approved", exact, 400),
            prep=Outcome("approved", exact, 300),
        ),
        _card(
            "ktp-tilt-01",
            "tilt",
            valid=True,
            fields=truth,
            raw=Outcome("needs_review", {"name": "BUDI SANT0SO"}, 600),
            prep=Outcome("approved", exact, 300),
        ),
        _card(
            "ktp-invalid_nik-01",
            "invalid_nik",
            valid=False,
            fields=truth,
            raw=Outcome("needs_review", exact, 400),
            prep=Outcome("approved" if prep_approves_invalid else "rejected", exact, 300),
        ),
        _card(
            "ktp-blank-01",
            "blank",
            valid=False,
            fields={},
            raw=Outcome("error", {}, error="ocr_failed"),
            prep=Outcome("rejected", {}, 100),
        ),
    ]


def test_summary_numbers_per_mode() -> None:
    summary = summarise(_results())
    assert summary.cards == 4 and summary.cards_by_variant == {"clean": 1, "tilt": 1, "invalid_nik": 1, "blank": 1}
    raw, prep = summary.modes["raw"], summary.modes["prep"]
    assert raw.by_field["nik"].n == 3 and raw.by_field["nik"].exact == 2 / 3
    assert prep.by_field["nik"].exact == 1.0
    assert raw.nik_by_variant["tilt"].exact == 0.0 and prep.nik_by_variant["tilt"].exact == 1.0
    assert raw.by_variant["tilt"].char_accuracy == (0.0 + 11 / 12) / 2
    assert "blank" not in raw.by_variant  # nothing printed, nothing to score
    assert raw.confusion["unreadable"]["error"] == 1 and prep.confusion["unreadable"]["rejected"] == 1
    assert raw.confusion["valid"] == {"approved": 1, "needs_review": 1, "rejected": 0, "error": 0}
    assert (raw.acceptable, prep.acceptable) == (3, 4)
    assert raw.auto_approved_bad == prep.auto_approved_bad == ()
    assert prep.mean_ocr_ms == 250.0


def test_text_report_has_every_section_and_the_deltas() -> None:
    text = format_text(summarise(_results()), INFO)
    for heading in (
        "(a) Field accuracy per field",
        "(a) Field accuracy per degradation",
        "(b) Decisions without preprocessing",
        "(b) Decisions with preprocessing",
        "(c) INVALID / TAMPERED CARDS AUTO-APPROVED",
        "(d) Time",
    ):
        assert heading in text
    nik_row = next(line for line in text.splitlines() if line.startswith("nik "))
    assert nik_row.split() == ["nik", "3", "66.7%", "100.0%", "+33.3", "66.7%", "100.0%", "+33.3"]
    assert "OK  with preprocessing" in text and "FAIL" not in text
    assert "4 cards x 2 modes in 12.5 s wall with 2 worker(s), seed 7" in text


def test_an_auto_approved_invalid_card_is_named_and_fails_the_check() -> None:
    summary = summarise(_results(prep_approves_invalid=True))
    assert summary.modes["prep"].auto_approved_bad == ("ktp-invalid_nik-01",)
    text = format_text(summary, INFO)
    assert (
        "FAIL  with preprocessing (grey, width 1000, deskew): 1 invalid/unreadable cards auto-approved: ktp-invalid_nik-01"
        in text
    )


def test_markdown_has_a_table_per_section() -> None:
    markdown = format_markdown(summarise(_results()), INFO)
    assert markdown.count("#### ") == 8
    assert "| field | n | exact raw | exact prep | Δ pp | char raw | char prep | Δ pp |" in markdown
    assert "| valid | 1 | 1 | 0 | 0 | 2 |" in markdown
    assert "| valid | 2 | 0 | 0 | 0 | 2 |" in markdown
    assert "- OK  with preprocessing" in markdown


def test_quantiles_are_nearest_rank() -> None:
    from services.evaluation.summary import quantile

    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert (quantile(values, 0.0), quantile(values, 0.5), quantile(values, 1.0)) == (10.0, 30.0, 50.0)
    assert quantile([7.0], 0.9) == 7.0
