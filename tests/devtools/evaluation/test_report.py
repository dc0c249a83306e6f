"""Summaries and reports built from hand-made card results: numbers per design, sections, the bad-approval alarm."""

from __future__ import annotations

from devtools.evaluation.report import RunInfo, format_markdown, format_text, miss_lines
from devtools.evaluation.summary import CardResult, Outcome, quantile, summarise

NIK = "3273031003931942"
INFO = RunInfo(command="python -m devtools.evaluation --count 5", seed=7, jobs=2, wall_s=12.5, configuration="engine x")


def _card(name: str, variant: str, *, valid: bool, fields: dict[str, str], outcome: Outcome) -> CardResult:
    design = name.split("-")[0]
    acceptable = ("approved", "needs_review") if valid else ("needs_review", "rejected") if fields else ("rejected",)
    return CardResult(
        name=name,
        design=design,
        doc_type="npwp" if design == "npwp" else "ktp",
        variant=variant,
        valid=valid,
        acceptable_decisions=acceptable,
        truth_fields=fields,
        outcome=outcome,
    )


def _results(*, approves_invalid: bool = False) -> list[CardResult]:
    truth = {"nik": NIK, "name": "BUDI SANTOSO"}
    exact = dict(truth)
    return [
        _card("ektp-clean-01", "clean", valid=True, fields=truth,
              outcome=Outcome("approved", exact, 60, score=99, cpu_ms=100, layout="ektp")),
        _card("ektp-blur-01", "blur", valid=True, fields=truth,
              outcome=Outcome("needs_review", {"name": "BUDI SANT0SO", "nik": NIK[:15] + "?"}, 70, score=80,
                              cpu_ms=140, layout="ektp")),
        _card("ektp-edited_nik-01", "edited_nik", valid=False, fields=truth,
              outcome=Outcome("approved" if approves_invalid else "needs_review", exact, 60, score=98, cpu_ms=120,
                              layout="ektp", reasons=("nik_font_mismatch",))),
        _card("ektp-blank-01", "blank", valid=False, fields={}, outcome=Outcome("rejected", {}, 10, score=15, cpu_ms=20)),
        _card("ktp-clean-01", "clean", valid=True, fields=truth,
              outcome=Outcome("approved", exact, 150, score=98, cpu_ms=180, layout="labels")),
    ]


def test_summary_numbers_per_design() -> None:
    summary = summarise(_results())
    assert list(summary.designs) == ["ektp", "ktp"]
    ektp = summary.designs["ektp"]
    assert ektp.cards == 4 and ektp.valid_cards == 2 and ektp.valid_approved == 1 and ektp.valid_rejected == 0
    assert ektp.by_field["nik"].n == 3 and ektp.by_field["nik"].exact == 2 / 3
    assert ektp.by_field["nik"].char_accuracy == (1 + 15 / 16 + 1) / 3  # NIK digits
    assert ektp.by_variant["blur"].fields is not None and ektp.by_variant["blur"].fields.exact == 0.0
    assert ektp.by_variant["blank"].fields is None  # nothing printed, nothing to score
    assert ektp.confusion["invalid"]["needs_review"] == 1 and ektp.confusion["unreadable"]["rejected"] == 1
    assert ektp.acceptable == 4 and ektp.auto_approved_bad == ()
    assert ektp.mean_cpu_ms == 95.0 and ektp.median_cpu_ms == 110.0
    assert ektp.read_by_layout == {"ektp": 3}
    assert summary.designs["ktp"].read_by_layout == {"labels": 1}


def test_text_report_has_every_section() -> None:
    text = format_text(summarise(_results()), INFO)
    for heading in (
        "Per design",
        "Fields: national e-KTP",
        "Per variant: national e-KTP",
        "Decisions: national e-KTP",
        "Scores: national e-KTP",
        "Fields: drawn KTP",
        "INVALID / TAMPERED CARDS AUTO-APPROVED",
        "configuration: engine x",
        "5 cards in 12.5 s wall with 2 worker(s), seed 7",
    ):
        assert heading in text
    ektp_row = next(line for line in text.splitlines() if line.startswith("ektp "))
    assert ektp_row.split()[:5] == ["ektp", "4", "66.7%", "66.7%", "97.9%"]
    assert "OK  ektp: 0 invalid/unreadable cards auto-approved" in text and "FAIL" not in text


def test_an_auto_approved_invalid_card_is_named_and_fails_the_check() -> None:
    summary = summarise(_results(approves_invalid=True))
    assert summary.auto_approved_bad == ("ektp-edited_nik-01",)
    assert "FAIL  ektp: 1 invalid/unreadable cards auto-approved: ektp-edited_nik-01" in format_text(summary, INFO)


def test_markdown_has_a_table_per_section() -> None:
    markdown = format_markdown(summarise(_results()), INFO)
    assert markdown.count("#### ") == 1 + 4 * 2 + 2  # overview, four per design, bad approvals, time
    assert "| field | n | exact | char |" in markdown
    assert "| valid | 1 | 1 | 0 | 0 | 2 |" in markdown
    assert "- OK  ektp" in markdown


def test_misses_name_the_field_and_what_was_read() -> None:
    lines = miss_lines(_results(approves_invalid=True))
    blur = next(line for line in lines if line.startswith("ektp-blur-01"))
    assert "name: 'BUDI SANTOSO' read 'BUDI SANT0SO'" in blur
    edited = next(line for line in lines if line.startswith("ektp-edited_nik-01"))
    assert "decision approved" in edited
    assert not any(line.startswith("ektp-clean-01") for line in lines)


def test_quantiles_are_nearest_rank() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert (quantile(values, 0.0), quantile(values, 0.5), quantile(values, 1.0)) == (10.0, 30.0, 50.0)
