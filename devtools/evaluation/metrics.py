"""Pure accuracy arithmetic: edit distance, per-field scores, their aggregation and the decision confusion matrix."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TRUTH_CLASSES = ("valid", "invalid", "unreadable")
DECISION_COLUMNS = ("approved", "needs_review", "rejected", "error")
# Fields compared with the truth, in report order; a card contributes the ones printed on it.
FIELDS = (
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "gender",
    "blood_type",
    "religion",
    "marital_status",
    "occupation",
    "nationality",
    "address",
    "rt_rw",
    "village",
    "district",
    "province",
    "city",
    "valid_until",
    "npwp",
    "kpp",
    "registered",
)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one character each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def character_accuracy(truth: str, read: str) -> float:
    """1 - edit distance / the longer length, so 1.0 is exact, 0.0 nothing right (a missing field is 0.0)."""
    longest = max(len(truth), len(read))
    if longest == 0:
        return 1.0
    return 1.0 - levenshtein(truth, read) / longest


def normalise_value(field: str, value: str) -> str:
    """The form both sides are compared in: upper case, single spaces; the NPWP as bare digits."""
    value = re.sub(r"\s+", " ", value).strip().upper()
    if field == "npwp":
        return re.sub(r"[.\-\s]", "", value)
    return value


@dataclass(frozen=True)
class FieldScore:
    field: str
    exact: bool
    char_accuracy: float


def score_fields(truth: Mapping[str, str], read: Mapping[str, str]) -> list[FieldScore]:
    """One score per compared field printed on the card; a field the pipeline did not find scores 0."""
    scores = []
    for field in FIELDS:
        if field not in truth:
            continue
        expected = normalise_value(field, truth[field])
        got = normalise_value(field, read.get(field, ""))
        scores.append(FieldScore(field, expected == got, character_accuracy(expected, got)))
    return scores


@dataclass(frozen=True)
class Accuracy:
    """Exact-match rate and mean character accuracy over n field readings."""

    n: int
    exact: float
    char_accuracy: float


def aggregate(scores: Iterable[FieldScore]) -> Accuracy:
    items = list(scores)
    if not items:
        return Accuracy(0, 0.0, 0.0)
    return Accuracy(
        n=len(items),
        exact=sum(score.exact for score in items) / len(items),
        char_accuracy=sum(score.char_accuracy for score in items) / len(items),
    )


def aggregate_by(keyed: Iterable[tuple[str, FieldScore]]) -> dict[str, Accuracy]:
    """Accuracy per key (a field name or a degradation), keys in first-seen order."""
    groups: dict[str, list[FieldScore]] = {}
    for key, score in keyed:
        groups.setdefault(key, []).append(score)
    return {key: aggregate(scores) for key, scores in groups.items()}


def truth_class(*, valid: bool, has_fields: bool) -> str:
    """valid: a genuine card; invalid: a card with a broken NIK; unreadable: blank or not a card at all."""
    if valid:
        return "valid"
    return "invalid" if has_fields else "unreadable"


def confusion_matrix(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Counts of (truth class, decision); every class and decision column present, zeros included."""
    matrix = {cls: dict.fromkeys(DECISION_COLUMNS, 0) for cls in TRUTH_CLASSES}
    for cls, decision in pairs:
        if cls not in matrix or decision not in DECISION_COLUMNS:
            raise ValueError(f"unknown truth class or decision: {cls!r}, {decision!r}")
        matrix[cls][decision] += 1
    return matrix
