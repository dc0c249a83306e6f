"""The summary as tables: aligned plain text for the terminal, Markdown for BENCHMARKS.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.evaluation.metrics import DECISION_COLUMNS, TRUTH_CLASSES, Accuracy
from services.evaluation.summary import Summary, field_order, quantile

RAW, PREP = "raw", "prep"
MODE_TITLES = {RAW: "without preprocessing (photo as decoded)", PREP: "with preprocessing (grey, width 1000, deskew)"}


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""


@dataclass(frozen=True)
class RunInfo:
    command: str
    seed: int
    jobs: int
    wall_s: float


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _delta(raw: float, prep: float) -> str:
    return f"{100 * (prep - raw):+.1f}"


def _accuracy_cells(raw: Accuracy, prep: Accuracy) -> tuple[str, ...]:
    return (
        _pct(raw.exact),
        _pct(prep.exact),
        _delta(raw.exact, prep.exact),
        _pct(raw.char_accuracy),
        _pct(prep.char_accuracy),
        _delta(raw.char_accuracy, prep.char_accuracy),
    )


_ACCURACY_HEADER = ("exact raw", "exact prep", "Δ pp", "char raw", "char prep", "Δ pp")


def field_table(summary: Summary) -> Table:
    raw, prep = summary.modes[RAW], summary.modes[PREP]
    rows = [
        (name, str(prep.by_field[name].n), *_accuracy_cells(raw.by_field[name], prep.by_field[name]))
        for name in field_order(summary.modes)
    ]
    rows.append(("all fields", str(prep.overall.n), *_accuracy_cells(raw.overall, prep.overall)))
    return Table(
        "(a) Field accuracy per field, every card with the field printed",
        ("field", "n", *_ACCURACY_HEADER),
        rows,
        "exact: share of fields read exactly; char: mean 1 - Levenshtein/longer length; Δ pp: prep - raw.",
    )


def variant_table(summary: Summary) -> Table:
    raw, prep = summary.modes[RAW], summary.modes[PREP]
    rows = []
    for variant, cards in summary.cards_by_variant.items():
        if variant not in prep.by_variant:
            continue  # blank and random cards print no fields
        nik_raw, nik_prep = raw.nik_by_variant[variant], prep.nik_by_variant[variant]
        rows.append(
            (
                variant,
                str(cards),
                *_accuracy_cells(raw.by_variant[variant], prep.by_variant[variant]),
                _pct(nik_raw.exact),
                _pct(nik_prep.exact),
                _delta(nik_raw.exact, nik_prep.exact),
            )
        )
    return Table(
        "(a) Field accuracy per degradation, all fields pooled",
        ("degradation", "cards", *_ACCURACY_HEADER, "NIK raw", "NIK prep", "Δ pp"),
        rows,
        "KTP and NPWP cards pooled; invalid_nik and malformed_nik are clean renders of cards with a broken NIK.",
    )


def confusion_table(summary: Summary, mode: str) -> Table:
    mode_summary = summary.modes[mode]
    rows = [
        (
            cls,
            *(str(mode_summary.confusion[cls][d]) for d in DECISION_COLUMNS),
            str(sum(mode_summary.confusion[cls].values())),
        )
        for cls in TRUTH_CLASSES
    ]
    return Table(
        f"(b) Decisions {MODE_TITLES[mode]}",
        ("truth \\ decision", *DECISION_COLUMNS, "total"),
        rows,
        f"acceptable decisions: {mode_summary.acceptable}/{summary.cards} "
        f"({_pct(mode_summary.acceptable / summary.cards if summary.cards else 0.0)}); "
        "valid: approved or needs_review; invalid: needs_review or rejected; unreadable: rejected.",
    )


def score_table(summary: Summary, mode: str) -> Table:
    by_class = summary.modes[mode].scores_by_class
    rows = [
        (cls, str(len(scores)), *(f"{quantile(scores, q):.1f}" for q in (0.0, 0.1, 0.5, 0.9, 1.0)))
        for cls in TRUTH_CLASSES
        if (scores := by_class.get(cls))
    ]
    return Table(
        f"(b) Score distribution {MODE_TITLES[mode]}",
        ("truth", "cards", "min", "p10", "median", "p90", "max"),
        rows,
        "thresholds: approve at 85, reject below 35; an invalid card's max must stay under 85 or carry a blocking reason.",
    )


def bad_approval_lines(summary: Summary) -> list[str]:
    lines = []
    for mode in (RAW, PREP):
        names = summary.modes[mode].auto_approved_bad
        marker = "OK" if not names else "FAIL"
        listed = f": {', '.join(names)}" if names else ""
        lines.append(f"{marker}  {MODE_TITLES[mode]}: {len(names)} invalid/unreadable cards auto-approved{listed}")
    return lines


def time_lines(summary: Summary, info: RunInfo) -> list[str]:
    return [
        f"{summary.cards} cards x 2 modes in {info.wall_s:.1f} s wall with {info.jobs} worker(s), seed {info.seed}",
        f"mean OCR time per card: raw {summary.modes[RAW].mean_ocr_ms:.0f} ms, prep {summary.modes[PREP].mean_ocr_ms:.0f} ms",
        f"command: {info.command}",
    ]


def tables(summary: Summary) -> list[Table]:
    return [
        field_table(summary),
        variant_table(summary),
        confusion_table(summary, RAW),
        confusion_table(summary, PREP),
        score_table(summary, RAW),
        score_table(summary, PREP),
    ]


def _text_table(table: Table) -> str:
    widths = [max(len(row[i]) for row in (table.header, *table.rows)) for i in range(len(table.header))]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return "  ".join([first.ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(rest, widths[1:], strict=True))])

    out = [table.title, line(table.header), "  ".join("-" * w for w in widths), *(line(row) for row in table.rows)]
    if table.note:
        out.append(table.note)
    return "\n".join(out)


def _markdown_table(table: Table) -> str:
    out = [f"#### {table.title}", "", "| " + " | ".join(table.header) + " |"]
    out.append("|" + "|".join(["---", *("---:" for _ in table.header[1:])]) + "|")
    out.extend("| " + " | ".join(row) + " |" for row in table.rows)
    if table.note:
        out.extend(["", table.note])
    return "\n".join(out)


def format_text(summary: Summary, info: RunInfo) -> str:
    banner = "(c) INVALID / TAMPERED CARDS AUTO-APPROVED"
    parts = [f"FiLot OCR evaluation: {summary.cards} synthetic cards", *(_text_table(t) for t in tables(summary))]
    parts.append("\n".join(["=" * len(banner), banner, *bad_approval_lines(summary), "=" * len(banner)]))
    parts.append("\n".join(["(d) Time", *time_lines(summary, info)]))
    return "\n\n".join(parts) + "\n"


def format_markdown(summary: Summary, info: RunInfo) -> str:
    parts = [f"### OCR evaluation ({summary.cards} synthetic cards, seed {info.seed})"]
    parts.extend(_markdown_table(t) for t in tables(summary))
    parts.append(
        "\n".join(
            [
                "#### (c) Invalid / tampered cards auto-approved",
                "",
                *(f"- {line}" for line in bad_approval_lines(summary)),
            ]
        )
    )
    parts.append("\n".join(["#### (d) Time", "", *(f"- {line}" for line in time_lines(summary, info))]))
    return "\n\n".join(parts) + "\n"
