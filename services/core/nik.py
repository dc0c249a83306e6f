"""Indonesian NIK rules: the 16 digits encode province, region, birth date and gender, so a card can contradict itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Province codes in use by Dukcapil (incl. the Papua provinces created in 2022).
PROVINCE_CODES: frozenset[str] = frozenset(
    ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96"]
)
_NIK_RE = re.compile(r"^\d{16}$")
FEMALE_DAY_OFFSET = 40


@dataclass(frozen=True)
class NikFacts:
    """What a NIK says about its holder, and every rule it breaks (problem codes)."""

    problems: tuple[str, ...]
    province: str | None = None
    birth_day: int | None = None
    birth_month: int | None = None
    birth_year_2: int | None = None
    gender: str | None = None  # "LAKI-LAKI" or "PEREMPUAN", as printed on cards

    @property
    def valid(self) -> bool:
        return not self.problems


def parse_nik(nik: str | None) -> NikFacts:
    """Decode a NIK; an unusable one yields problem codes instead of an exception."""
    if not nik:
        return NikFacts(problems=("nik_missing",))
    if not _NIK_RE.match(nik):
        return NikFacts(problems=("nik_malformed",))
    problems: list[str] = []
    province = nik[:2]
    if province not in PROVINCE_CODES:
        problems.append("nik_unknown_province")
    if nik[2:4] == "00" or nik[4:6] == "00":
        problems.append("nik_bad_region")
    day = int(nik[6:8])
    gender = "LAKI-LAKI"
    if day > FEMALE_DAY_OFFSET:
        day -= FEMALE_DAY_OFFSET
        gender = "PEREMPUAN"
    month, year_2 = int(nik[8:10]), int(nik[10:12])
    if not _is_calendar_date(day, month, year_2):
        problems.append("nik_bad_birth_date")
    if nik[12:] == "0000":
        problems.append("nik_zero_serial")
    return NikFacts(
        problems=tuple(problems),
        province=province,
        birth_day=day,
        birth_month=month,
        birth_year_2=year_2,
        gender=gender,
    )


def check_nik_against_card(nik: str | None, *, birth_date: date | None, gender: str | None) -> tuple[str, ...]:
    """All problems of the NIK itself plus its disagreements with the printed birth date and gender."""
    facts = parse_nik(nik)
    if facts.problems and ("nik_missing" in facts.problems or "nik_malformed" in facts.problems):
        return facts.problems
    problems = list(facts.problems)
    encoded = (facts.birth_day, facts.birth_month, facts.birth_year_2)
    printed = (birth_date.day, birth_date.month, birth_date.year % 100) if birth_date else None
    if printed is not None and "nik_bad_birth_date" not in problems and encoded != printed:
        problems.append("nik_birth_date_mismatch")
    if gender is not None and facts.gender != gender:
        problems.append("nik_gender_mismatch")
    return tuple(problems)


def _is_calendar_date(day: int, month: int, year_2: int) -> bool:
    # A leap-year check needs the century; 2000 is a leap year and so is every 4th in 1904..2096.
    try:
        date(2000 + year_2 if year_2 % 4 == 0 else 1900 + year_2, month, day)
    except ValueError:
        return False
    return True
