"""Edit distance, field scoring, aggregation and the confusion matrix give known answers."""

from __future__ import annotations

import pytest

from devtools.evaluation.metrics import (
    DECISION_COLUMNS,
    TRUTH_CLASSES,
    Accuracy,
    FieldScore,
    aggregate,
    aggregate_by,
    character_accuracy,
    confusion_matrix,
    levenshtein,
    normalise_value,
    score_fields,
    truth_class,
)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("kitten", "sitting", 3),
        ("", "", 0),
        ("", "abc", 3),
        ("abc", "", 3),
        ("3273031003931942", "3273031003931942", 0),
        ("3273031003931942", "3273O31003931942", 1),  # one look-alike letter
        ("3273031003931942", "327303100393194", 1),  # one digit dropped
        ("flaw", "lawn", 2),
    ],
)
def test_levenshtein_known_values_both_ways(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == levenshtein(b, a) == distance


def test_character_accuracy_is_one_minus_distance_over_the_longer_length() -> None:
    assert character_accuracy("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert character_accuracy("ISLAM", "ISLAM") == 1.0
    assert character_accuracy("", "") == 1.0
    assert character_accuracy("BUDI", "") == 0.0  # a field the pipeline did not find
    assert character_accuracy("AB", "XYZW") == 0.0


def test_values_are_compared_upper_case_single_spaced_and_npwp_as_digits() -> None:
    assert normalise_value("name", "  budi   santoso ") == "BUDI SANTOSO"
    assert normalise_value("npwp", "04.216.109.1-915.000") == "042161091915000"
    assert normalise_value("address", "JL. MELATI NO. 121") == "JL. MELATI NO. 121"


def test_score_fields_covers_printed_fields_only_and_scores_missing_as_zero() -> None:
    truth = {"nik": "3273031003931942", "name": "BUDI", "npwp": "04.216.109.1-915.000", "photo": "x"}
    read = {"nik": "3273031003931942", "npwp": "042161091915000", "religion": "ISLAM"}
    scores = {score.field: score for score in score_fields(truth, read)}
    assert list(scores) == ["nik", "name", "npwp"]  # FIELDS order; unknown truth keys are not compared
    assert scores["nik"] == FieldScore("nik", True, 1.0)
    assert scores["name"] == FieldScore("name", False, 0.0)
    assert scores["npwp"].exact


def test_aggregate_means_and_empty() -> None:
    scores = [FieldScore("nik", True, 1.0), FieldScore("nik", False, 0.5), FieldScore("name", False, 0.0)]
    assert aggregate(scores) == Accuracy(3, pytest.approx(1 / 3), pytest.approx(0.5))
    assert aggregate([]) == Accuracy(0, 0.0, 0.0)
    by = aggregate_by([("blur", scores[0]), ("clean", scores[2]), ("blur", scores[1])])
    assert list(by) == ["blur", "clean"]
    assert by["blur"] == Accuracy(2, 0.5, 0.75)
    assert by["clean"] == Accuracy(1, 0.0, 0.0)


def test_truth_classes() -> None:
    assert truth_class(valid=True, has_fields=True) == "valid"
    assert truth_class(valid=False, has_fields=True) == "invalid"
    assert truth_class(valid=False, has_fields=False) == "unreadable"


def test_confusion_matrix_counts_and_keeps_zero_cells() -> None:
    matrix = confusion_matrix(
        [
            ("valid", "approved"),
            ("valid", "approved"),
            ("valid", "needs_review"),
            ("invalid", "rejected"),
            ("unreadable", "error"),
        ]
    )
    assert list(matrix) == list(TRUTH_CLASSES)
    assert all(list(row) == list(DECISION_COLUMNS) for row in matrix.values())
    assert matrix["valid"] == {"approved": 2, "needs_review": 1, "rejected": 0, "error": 0}
    assert matrix["invalid"]["rejected"] == 1 and matrix["unreadable"]["error"] == 1
    assert sum(sum(row.values()) for row in matrix.values()) == 5
    with pytest.raises(ValueError, match="maybe"):
        confusion_matrix([("valid", "maybe")])
