"""NIK rules: what a reviewer relies on to catch a card that contradicts itself."""

from __future__ import annotations

from datetime import date

import pytest

from services.core.nik import check_nik_against_card, parse_nik

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
