"""Per-card outcomes and what the report says about them: accuracy tables, confusion matrices, bad approvals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from services.evaluation.metrics import (
    FIELDS,
    Accuracy,
    FieldScore,
    aggregate,
    aggregate_by,
    confusion_matrix,
    score_fields,
    truth_class,
)

# Tesseract sees the decoded photo as it came, or the grey, width-normalised, deskewed card.
MODES = ("raw", "prep")


@dataclass(frozen=True)
class Outcome:
    """What verify_document made of one card in one mode; decision "error" when it raised."""

    decision: str
    fields: dict[str, str]
    ocr_ms: float = 0.0
    error: str = ""
    score: float | None = None


@dataclass(frozen=True)
class CardResult:
    name: str
    doc_type: str
    variant: str
    valid: bool
    acceptable_decisions: tuple[str, ...]
    truth_fields: dict[str, str]
    outcomes: dict[str, Outcome]

    @property
    def truth_class(self) -> str:
        return truth_class(valid=self.valid, has_fields=bool(self.truth_fields))

    def scores(self, mode: str) -> list[FieldScore]:
        return score_fields(self.truth_fields, self.outcomes[mode].fields)


@dataclass(frozen=True)
class ModeSummary:
    by_field: dict[str, Accuracy]
    by_variant: dict[str, Accuracy]
    nik_by_variant: dict[str, Accuracy]
    overall: Accuracy
    confusion: dict[str, dict[str, int]]
    acceptable: int
    auto_approved_bad: tuple[str, ...]  # invalid or unreadable cards the pipeline approved on its own
    mean_ocr_ms: float
    # truth class -> sorted scores, to show how far each class sits from the thresholds
    scores_by_class: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    cards: int
    cards_by_variant: dict[str, int]
    modes: dict[str, ModeSummary] = field(default_factory=dict)


def _mode_summary(results: Sequence[CardResult], mode: str) -> ModeSummary:
    keyed = [(result, score) for result in results for score in result.scores(mode)]
    outcomes = [result.outcomes[mode] for result in results]
    return ModeSummary(
        by_field=aggregate_by((score.field, score) for _, score in keyed),
        by_variant=aggregate_by((result.variant, score) for result, score in keyed),
        nik_by_variant=aggregate_by((result.variant, score) for result, score in keyed if score.field == "nik"),
        overall=aggregate(score for _, score in keyed),
        confusion=confusion_matrix((result.truth_class, result.outcomes[mode].decision) for result in results),
        acceptable=sum(result.outcomes[mode].decision in result.acceptable_decisions for result in results),
        auto_approved_bad=tuple(
            result.name for result in results if not result.valid and result.outcomes[mode].decision == "approved"
        ),
        mean_ocr_ms=sum(outcome.ocr_ms for outcome in outcomes) / len(outcomes) if outcomes else 0.0,
        scores_by_class=_scores_by_class(results, mode),
    )


def _scores_by_class(results: Sequence[CardResult], mode: str) -> dict[str, list[float]]:
    classes: dict[str, list[float]] = {}
    for result in results:
        score = result.outcomes[mode].score
        if score is not None:
            classes.setdefault(result.truth_class, []).append(score)
    return {cls: sorted(scores) for cls, scores in classes.items()}


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of already sorted values (q in 0..1)."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarise(results: Sequence[CardResult], *, modes: Sequence[str] = MODES) -> Summary:
    """Everything the report prints, computed from the per-card results alone."""
    by_variant: dict[str, int] = {}
    for result in results:
        by_variant[result.variant] = by_variant.get(result.variant, 0) + 1
    return Summary(
        cards=len(results),
        cards_by_variant=by_variant,
        modes={mode: _mode_summary(results, mode) for mode in modes},
    )


def field_order(summaries: Mapping[str, ModeSummary]) -> list[str]:
    """Fields scored in any mode, in the report order of FIELDS."""
    seen = {name for summary in summaries.values() for name in summary.by_field}
    return [name for name in FIELDS if name in seen]
