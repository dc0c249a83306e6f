"""NIK rules: what a reviewer relies on to catch a card that contradicts itself."""

from __future__ import annotations

from datetime import date

import pytest

from services.core.nik import check_nik_against_card, parse_nik, resolve_ambiguous_nik

# Jakarta Selatan (31 71), district 02, born 17-08-1990, serial 0001.
MALE_NIK = "3171021708900001"
FEMALE_NIK = "3171025708900001"  # day 17 + 40


def test_valid_male_nik_decodes_birth_date_and_gender() -> None:
    facts = parse_nik(MALE_NIK)
    assert facts.valid
    assert (facts.province, facts.birth_day, facts.birth_month, facts.birth_year_2) == ("31", 17, 8, 90)
    assert facts.gender == "LAKI-LAKI"


def test_female_day_offset_of_40_is_decoded() -> None:
    facts = parse_nik(FEMALE_NIK)
    assert facts.valid
    assert facts.birth_day == 17
    assert facts.gender == "PEREMPUAN"


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        (None, "nik_missing"),
        ("", "nik_missing"),
        ("317102170890001", "nik_malformed"),  # 15 digits
        ("31710217089000012", "nik_malformed"),  # 17 digits
        ("3171O21708900001", "nik_malformed"),  # a letter
        ("9971021708900001", "nik_unknown_province"),
        ("3100021708900001", "nik_bad_region"),
        ("3171023208900001", "nik_bad_birth_date"),  # day 32
        ("3171021713900001", "nik_bad_birth_date"),  # month 13
        ("3171027202900001", "nik_bad_birth_date"),  # 32 Feb for a woman (72 - 40)
        ("3171021708900000", "nik_zero_serial"),
        ("31710217089?0001", "nik_unreadable"),  # a digit the reader could not decide
    ],
)
def test_each_broken_rule_is_named(nik: str | None, problem: str) -> None:
    facts = parse_nik(nik)
    assert not facts.valid
    assert problem in facts.problems


def test_leap_day_is_accepted_only_in_leap_years() -> None:
    assert parse_nik("3171022902000001").valid  # 29-02-2000
    assert "nik_bad_birth_date" in parse_nik("3171022902010001").problems  # 29-02-2001


def test_nik_consistent_with_printed_card_has_no_problems() -> None:
    assert check_nik_against_card(FEMALE_NIK, birth_date=date(1990, 8, 17), gender="PEREMPUAN") == ()


def test_nik_contradicting_printed_birth_date_and_gender_is_caught() -> None:
    problems = check_nik_against_card(MALE_NIK, birth_date=date(1991, 8, 17), gender="PEREMPUAN")
    assert set(problems) == {"nik_birth_date_mismatch", "nik_gender_mismatch"}


def _cells(nik: str, **open_digits: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Per digit what the image supports: the digit itself, or the options given for position p<n>."""
    return [open_digits.get(f"p{i}", (digit,)) for i, digit in enumerate(nik)]


def test_an_ambiguous_birth_digit_is_decided_by_the_printed_birth_date() -> None:
    # The image cannot tell 8 from 3 in the month (position 9): the card says August.
    cells = _cells(MALE_NIK, p9=("3", "8"))
    assert resolve_ambiguous_nik(cells, birth_date=date(1990, 8, 17), gender="LAKI-LAKI") == (MALE_NIK, 1)


def test_an_ambiguous_gender_digit_is_decided_by_the_printed_gender() -> None:
    cells = _cells(FEMALE_NIK, p6=("1", "5"))  # 17 (a man) or 57 (a woman)
    assert resolve_ambiguous_nik(cells, birth_date=date(1990, 8, 17), gender="PEREMPUAN") == (FEMALE_NIK, 1)
    assert resolve_ambiguous_nik(cells, birth_date=date(1990, 8, 17), gender="LAKI-LAKI") == (MALE_NIK, 1)


def test_a_digit_the_image_decides_is_never_changed_to_fit_the_card() -> None:
    # The image reads a man's 17 clearly; the card says woman: the contradiction stays.
    cells = _cells(MALE_NIK)
    assert resolve_ambiguous_nik(cells, birth_date=date(1990, 8, 17), gender="PEREMPUAN") is None
    # Only options the image supports are tried: 9 is not one, so no hypothesis agrees.
    assert resolve_ambiguous_nik(_cells(MALE_NIK, p9=("3", "6")), birth_date=date(1990, 8, 17), gender=None) is None


def test_no_guess_when_the_image_reads_nothing_or_two_hypotheses_agree() -> None:
    assert resolve_ambiguous_nik(_cells(MALE_NIK, p9=()), birth_date=date(1990, 8, 17), gender="LAKI-LAKI") is None
    # The serial (positions 12-15) is not on the card: 0001 and 0007 agree equally well.
    serial = _cells(MALE_NIK, p15=("1", "7"))
    assert resolve_ambiguous_nik(serial, birth_date=date(1990, 8, 17), gender="LAKI-LAKI") is None
    many = _cells(MALE_NIK, **{f"p{i}": ("1", "7") for i in range(12, 16)}, p0=("3", "8"), p1=("1", "7"))
    assert resolve_ambiguous_nik(many, birth_date=date(1990, 8, 17), gender="LAKI-LAKI") is None
