"""NPWP rules: the 16-digit NPWP is its holder's NIK; the classic 15-digit number keeps its check digit and serial."""

from __future__ import annotations

import pytest

from services.core.npwp import luhn_valid, npwp_nik, npwp_problems

NIK = "1371026709610748"  # a valid NIK (Padang, born 27-09-1961, female)


@pytest.mark.parametrize(
    "number",
    [
        "013121660091000",  # python-stdnum's and Business::ID::NPWP's published examples
        "016090524017000",
        "021832415000000",
        "081768533201000",
    ],
)
def test_sound_classic_numbers_pass(number: str) -> None:
    assert npwp_problems(number) == ()


def test_a_misread_digit_breaks_the_check_digit() -> None:
    assert npwp_problems("013121670091000") == ("npwp_check_digit",)  # 6 read as 7
    assert npwp_problems("013121661091000") == ("npwp_check_digit",)  # the check digit itself


def test_a_zero_serial_is_refused() -> None:
    digits = "01000000"
    check = next(str(d) for d in range(10) if luhn_valid(digits + str(d)))
    assert npwp_problems(digits + check + "091000") == ("npwp_zero_serial",)


@pytest.mark.parametrize("number", ["", "0131216600910", "0131216600910001", "01312166009100A", "12345678901234567"])
def test_other_lengths_and_letters_are_malformed(number: str) -> None:
    problems = npwp_problems(number)
    assert problems == ("npwp_malformed",) or problems[0].startswith("npwp_nik_")


def test_a_16_digit_npwp_is_a_nik_and_must_be_the_cards_nik() -> None:
    assert npwp_problems(NIK) == ()
    assert npwp_problems(NIK, card_nik=NIK) == ()
    assert npwp_problems(NIK, card_nik="1371026709610749") == ("npwp_nik_mismatch",)
    assert npwp_problems("9971026709610748") == ("npwp_nik_unknown_province",)
    assert npwp_problems("1371023209610748") == ("npwp_nik_bad_birth_date",)


def test_the_nik_an_npwp_stands_for() -> None:
    assert npwp_nik(NIK) == NIK
    assert npwp_nik("013121660091000", card_nik=NIK) == NIK
    assert npwp_nik("013121660091000") is None
    assert npwp_nik("013121660091000", card_nik="13710267") is None
