"""Per-card outcomes and what the report says about them, per card design: field accuracy, NIK digits,
decisions, cost per card, and the invalid cards the pipeline approved on its own."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from devtools.evaluation.metrics import (
    FIELDS,
    Accuracy,
    FieldScore,
    aggregate,
    aggregate_by,
    confusion_matrix,
    score_fields,
    truth_class,
)

DESIGN_ORDER = ("ektp", "ktp", "npwp", "npwp_djp")
SCENE_VARIANTS = ("photo", "photo_hard", "no_card")


@dataclass(frozen=True)
class Outcome:
    """What verify_document made of one card; decision "error" when it raised."""

    decision: str
    fields: dict[str, str]
    ocr_ms: float = 0.0
    error: str = ""
    score: float | None = None
    cpu_ms: float = 0.0  # CPU time of the whole verification in its (single-threaded) process
    wall_ms: float = 0.0
    layout: str = ""  # which reader read it: "ektp" or "labels"
    reasons: tuple[str, ...] = ()  # the blocking reasons
    capture: tuple[str, ...] = ()  # what the capture step said about the photo


@dataclass(frozen=True)
class CardResult:
    name: str
    design: str
    doc_type: str
    variant: str
    valid: bool
    acceptable_decisions: tuple[str, ...]
    truth_fields: dict[str, str]
    outcome: Outcome | None = None
    # Photos only: the same photo read without finding the card first (as the pipeline read photos before).
    baseline: Outcome | None = None

    def with_outcome(self, outcome: Outcome, baseline: Outcome | None = None) -> CardResult:
        return replace(self, outcome=outcome, baseline=baseline)

    @property
    def result(self) -> Outcome:
        if self.outcome is None:
            raise ValueError(f"{self.name} has not been verified")
        return self.outcome

    @property
    def truth_class(self) -> str:
        return truth_class(valid=self.valid, has_fields=bool(self.truth_fields))

    @property
    def acceptable(self) -> bool:
        return self.result.decision in self.acceptable_decisions

    def scores(self, outcome: Outcome | None = None) -> list[FieldScore]:
        return score_fields(self.truth_fields, (outcome or self.result).fields)


@dataclass(frozen=True)
class VariantSummary:
    cards: int
    fields: Accuracy | None  # None: the variant prints no fields (blank, random)
    nik: Accuracy | None
    decisions: dict[str, int]
    acceptable: int
    mean_cpu_ms: float


@dataclass(frozen=True)
class DesignSummary:
    cards: int
    by_field: dict[str, Accuracy]
    by_variant: dict[str, VariantSummary]
    overall: Accuracy
    confusion: dict[str, dict[str, int]]
    acceptable: int
    auto_approved_bad: tuple[str, ...]  # invalid or unreadable cards the pipeline approved on its own
    valid_cards: int
    valid_approved: int
    valid_rejected: int
    mean_cpu_ms: float
    median_cpu_ms: float
    mean_ocr_ms: float
    read_by_layout: dict[str, int]  # cards per reader ("ektp", "labels")
    # truth class -> sorted scores, to show how far each class sits from the thresholds
    scores_by_class: dict[str, list[float]] = field(default_factory=dict)

    @property
    def nik(self) -> Accuracy | None:
        return self.by_field.get("nik")


@dataclass(frozen=True)
class SceneRow:
    """Photos of one design and variant, read with and without finding the card first."""

    cards: int
    with_steps: VariantSummary
    without_steps: VariantSummary | None
    capture_codes: dict[str, int]


@dataclass(frozen=True)
class Summary:
    cards: int
    designs: dict[str, DesignSummary]
    scenes: dict[str, SceneRow] = field(default_factory=dict)  # "design/variant" for photo variants

    @property
    def auto_approved_bad(self) -> tuple[str, ...]:
        return tuple(name for design in self.designs.values() for name in design.auto_approved_bad)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _variant_summary(results: Sequence[CardResult], *, baseline: bool = False) -> VariantSummary:
    outcomes = [(result, result.baseline if baseline and result.baseline else result.result) for result in results]
    scores = [score for result, outcome in outcomes for score in result.scores(outcome)]
    nik = [score for score in scores if score.field == "nik"]
    decisions: dict[str, int] = {}
    for _, outcome in outcomes:
        decisions[outcome.decision] = decisions.get(outcome.decision, 0) + 1
    return VariantSummary(
        cards=len(results),
        fields=aggregate(scores) if scores else None,
        nik=aggregate(nik) if nik else None,
        decisions=decisions,
        acceptable=sum(outcome.decision in result.acceptable_decisions for result, outcome in outcomes),
        mean_cpu_ms=_mean([outcome.cpu_ms for _, outcome in outcomes]),
    )


def _scenes(results: Sequence[CardResult]) -> dict[str, SceneRow]:
    groups: dict[str, list[CardResult]] = {}
    for result in results:
        if result.variant in SCENE_VARIANTS:
            groups.setdefault(f"{result.design}/{result.variant}", []).append(result)
    rows = {}
    for key, group in groups.items():
        codes: dict[str, int] = {}
        for result in group:
            for code in result.result.capture:
                codes[code] = codes.get(code, 0) + 1
        rows[key] = SceneRow(
            cards=len(group),
            with_steps=_variant_summary(group),
            without_steps=_variant_summary(group, baseline=True) if all(r.baseline for r in group) else None,
            capture_codes=codes,
        )
    return rows


def _design_summary(results: Sequence[CardResult]) -> DesignSummary:
    keyed = [(result, score) for result in results for score in result.scores()]
    variants: dict[str, list[CardResult]] = {}
    layouts: dict[str, int] = {}
    for result in results:
        variants.setdefault(result.variant, []).append(result)
        if result.result.layout:
            layouts[result.result.layout] = layouts.get(result.result.layout, 0) + 1
    valid = [result for result in results if result.valid]
    cpu = [result.result.cpu_ms for result in results]
    return DesignSummary(
        cards=len(results),
        by_field=aggregate_by((score.field, score) for _, score in keyed),
        by_variant={variant: _variant_summary(group) for variant, group in variants.items()},
        overall=aggregate(score for _, score in keyed),
        confusion=confusion_matrix((result.truth_class, result.result.decision) for result in results),
        acceptable=sum(result.acceptable for result in results),
        auto_approved_bad=tuple(
            result.name for result in results if not result.valid and result.result.decision == "approved"
        ),
        valid_cards=len(valid),
        valid_approved=sum(result.result.decision == "approved" for result in valid),
        valid_rejected=sum(result.result.decision == "rejected" for result in valid),
        mean_cpu_ms=_mean(cpu),
        median_cpu_ms=statistics.median(cpu) if cpu else 0.0,
        mean_ocr_ms=_mean([result.result.ocr_ms for result in results]),
        read_by_layout=layouts,
        scores_by_class=_scores_by_class(results),
    )


def _scores_by_class(results: Sequence[CardResult]) -> dict[str, list[float]]:
    classes: dict[str, list[float]] = {}
    for result in results:
        if result.result.score is not None:
            classes.setdefault(result.truth_class, []).append(result.result.score)
    return {cls: sorted(scores) for cls, scores in classes.items()}


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of already sorted values (q in 0..1)."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarise(results: Sequence[CardResult]) -> Summary:
    """Everything the report prints, computed from the per-card results alone, per design."""
    by_design: dict[str, list[CardResult]] = {}
    for result in results:
        by_design.setdefault(result.design, []).append(result)
    order = [d for d in DESIGN_ORDER if d in by_design] + [d for d in by_design if d not in DESIGN_ORDER]
    return Summary(
        cards=len(results),
        designs={design: _design_summary(by_design[design]) for design in order},
        scenes=_scenes(results),
    )


def field_order(summary: DesignSummary) -> list[str]:
    """Fields scored for a design, in the report order of FIELDS."""
    return [name for name in FIELDS if name in summary.by_field]
