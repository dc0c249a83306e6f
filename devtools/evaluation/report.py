"""The summary as tables: aligned plain text for the terminal, Markdown for BENCHMARKS.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devtools.evaluation.metrics import DECISION_COLUMNS, TRUTH_CLASSES, Accuracy
from devtools.evaluation.summary import CardResult, DesignSummary, Summary, field_order, quantile

DESIGN_TITLES = {
    "ektp": "national e-KTP (OCR-A NIK, Arial on a guilloche; scans)",
    "ktp": "drawn KTP (the first samples' layout)",
    "npwp": "NPWP (drawn, every line labelled)",
    "npwp_djp": "NPWP as the tax office prints it (name and address unlabelled)",
}


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
    configuration: str = ""  # engine, thresholds and weights the run used


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({_pct(part / whole)})" if whole else "0/0"


def _acc(accuracy: Accuracy | None, attribute: str = "exact") -> str:
    return "-" if accuracy is None or accuracy.n == 0 else _pct(getattr(accuracy, attribute))


def _title(design: str) -> str:
    return DESIGN_TITLES.get(design, design)


def overview_table(summary: Summary) -> Table:
    rows: list[tuple[str, ...]] = [
        (
            design,
            str(d.cards),
            _acc(d.overall),
            _acc(d.nik),
            _acc(d.nik, "char_accuracy"),
            _share(d.valid_approved, d.valid_cards),
            str(d.valid_rejected),
            str(len(d.auto_approved_bad)),
            f"{d.mean_cpu_ms:.0f} / {d.median_cpu_ms:.0f}",
            str(d.read_by_layout.get("ektp", 0)),
        )
        for design, d in summary.designs.items()
    ]
    return Table(
        "Per design",
        (
            "design", "cards", "fields exact", "NIK exact", "NIK digits", "valid approved", "valid rejected",
            "bad approved", "CPU ms/card mean / median", "read as e-KTP",
        ),
        rows,
        "fields exact: share of printed fields read exactly; NIK digits: mean 1 - Levenshtein/length of the NIK; "
        "bad approved: invalid or unreadable cards auto-approved; CPU: the whole verification in one process.",
    )


def field_table(design: str, d: DesignSummary) -> Table:
    rows: list[tuple[str, ...]] = [
        (name, str(d.by_field[name].n), _acc(d.by_field[name]), _acc(d.by_field[name], "char_accuracy"))
        for name in field_order(d)
    ]
    rows.append(("all fields", str(d.overall.n), _acc(d.overall), _acc(d.overall, "char_accuracy")))
    return Table(f"Fields: {_title(design)}", ("field", "n", "exact", "char"), rows)


def variant_table(design: str, d: DesignSummary) -> Table:
    rows = [
        (
            variant,
            str(v.cards),
            _acc(v.fields),
            _acc(v.nik),
            _acc(v.nik, "char_accuracy"),
            *(str(v.decisions.get(column, 0)) for column in DECISION_COLUMNS),
            f"{v.acceptable}/{v.cards}",
            f"{v.mean_cpu_ms:.0f}",
        )
        for variant, v in d.by_variant.items()
    ]
    return Table(
        f"Per variant: {_title(design)}",
        ("variant", "cards", "fields exact", "NIK exact", "NIK digits", *DECISION_COLUMNS, "acceptable", "CPU ms"),
        rows,
    )


def confusion_table(design: str, d: DesignSummary) -> Table:
    rows = [
        (cls, *(str(d.confusion[cls][c]) for c in DECISION_COLUMNS), str(sum(d.confusion[cls].values())))
        for cls in TRUTH_CLASSES
    ]
    return Table(
        f"Decisions: {_title(design)}",
        ("truth \\ decision", *DECISION_COLUMNS, "total"),
        rows,
        f"acceptable decisions: {_share(d.acceptable, d.cards)}; valid: approved or needs_review; "
        "invalid: needs_review or rejected; unreadable: rejected.",
    )


def score_table(design: str, d: DesignSummary) -> Table:
    rows = [
        (cls, str(len(scores)), *(f"{quantile(scores, q):.1f}" for q in (0.0, 0.1, 0.5, 0.9, 1.0)))
        for cls in TRUTH_CLASSES
        if (scores := d.scores_by_class.get(cls))
    ]
    return Table(
        f"Scores: {_title(design)}",
        ("truth", "cards", "min", "p10", "median", "p90", "max"),
        rows,
        "an invalid card's score may pass the approval threshold only with a blocking reason that holds it for review.",
    )


def bad_approval_lines(summary: Summary) -> list[str]:
    lines = []
    for design, d in summary.designs.items():
        marker = "OK" if not d.auto_approved_bad else "FAIL"
        listed = f": {', '.join(d.auto_approved_bad)}" if d.auto_approved_bad else ""
        lines.append(f"{marker}  {design}: {len(d.auto_approved_bad)} invalid/unreadable cards auto-approved{listed}")
    return lines


def time_lines(summary: Summary, info: RunInfo) -> list[str]:
    lines = [f"{summary.cards} cards in {info.wall_s:.1f} s wall with {info.jobs} worker(s), seed {info.seed}"]
    if info.configuration:
        lines.append(f"configuration: {info.configuration}")
    lines.append(f"command: {info.command}")
    return lines


def scene_table(summary: Summary) -> Table:
    rows = []
    for key, row in summary.scenes.items():
        for label, v in (("with", row.with_steps), ("without", row.without_steps)):
            if v is None:
                continue
            rows.append(
                (
                    f"{key} ({label})",
                    str(v.cards),
                    _acc(v.fields),
                    _acc(v.nik),
                    *(str(v.decisions.get(column, 0)) for column in DECISION_COLUMNS),
                    f"{v.acceptable}/{v.cards}",
                    ", ".join(f"{code} {n}" for code, n in sorted(row.capture_codes.items())) if label == "with" else "",
                )
            )
    return Table(
        "Phone photos, with and without finding the card first",
        ("scene", "cards", "fields exact", "NIK exact", *DECISION_COLUMNS, "acceptable", "capture codes (with)"),
        rows,
        "without: the photo read as the pipeline read photos before it looked for the card (whole frame, deskew "
        "within 10 degrees); photo: a careful user; photo_hard: smaller, steeper, glare, a finger, more blur.",
    )


def tables(summary: Summary) -> list[Table]:
    out = [overview_table(summary)]
    if summary.scenes:
        out.append(scene_table(summary))
    for design, d in summary.designs.items():
        out.extend([field_table(design, d), variant_table(design, d), confusion_table(design, d), score_table(design, d)])
    return out


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


BANNER = "INVALID / TAMPERED CARDS AUTO-APPROVED"


def format_text(summary: Summary, info: RunInfo) -> str:
    parts = [f"FiLot OCR evaluation: {summary.cards} synthetic cards", *(_text_table(t) for t in tables(summary))]
    parts.append("\n".join(["=" * len(BANNER), BANNER, *bad_approval_lines(summary), "=" * len(BANNER)]))
    parts.append("\n".join(["Time", *time_lines(summary, info)]))
    return "\n\n".join(parts) + "\n"


def format_markdown(summary: Summary, info: RunInfo) -> str:
    parts = [f"### OCR evaluation ({summary.cards} synthetic cards, seed {info.seed})"]
    parts.extend(_markdown_table(t) for t in tables(summary))
    parts.append("\n".join([f"#### {BANNER.capitalize()}", "", *(f"- {line}" for line in bad_approval_lines(summary))]))
    parts.append("\n".join(["#### Time", "", *(f"- {line}" for line in time_lines(summary, info))]))
    return "\n\n".join(parts) + "\n"


def miss_lines(results: Sequence[CardResult]) -> list[str]:
    """One line per card with a wrong decision or a misread field: what was printed and what was read."""
    lines = []
    for result in results:
        outcome = result.result
        misread = [
            f"{score.field}: {result.truth_fields[score.field]!r} read {outcome.fields.get(score.field, '')!r}"
            for score in result.scores()
            if not score.exact
        ]
        wrong = "" if result.acceptable else f" decision {outcome.decision} ({', '.join(outcome.reasons)})"
        if misread or wrong:
            lines.append(f"{result.name} [{outcome.layout}]{wrong} " + "; ".join(misread))
    return lines
