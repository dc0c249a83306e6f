"""Indonesian NIK rules: the 16 digits encode province, region, birth date and gender, so a card can contradict itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product

from services.core.provinces import PROVINCE_CODES

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
    if "?" in nik:  # the reader could not decide these digits from the image
        return NikFacts(problems=("nik_unreadable",))
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
    if facts.problems and set(facts.problems) & {"nik_missing", "nik_malformed", "nik_unreadable"}:
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


MAX_HYPOTHESES = 64


def resolve_ambiguous_nik(
    candidates: Sequence[tuple[str, ...]], *, birth_date: date | None, gender: str | None
) -> tuple[str, int] | None:
    """The one NIK the image and the card agree on, and how many digits the card decided; None when there is not
    exactly one.

    candidates holds, per digit, what the image supports: one digit when it decides, two when it cannot tell them
    apart, none when it reads nothing. Only the ambiguous digits are open: a digit the image decides is never
    changed to fit the card (a contradiction stays a contradiction). A cell with no candidate leaves the NIK
    unresolved, as do too many open digits or two hypotheses that both agree with the card.
    """
    if any(not options for options in candidates):
        return None
    open_digits = sum(1 for options in candidates if len(options) > 1)
    if 2**open_digits > MAX_HYPOTHESES:
        return None
    agreeing = [
        "".join(digits)
        for digits in product(*candidates)
        if not check_nik_against_card("".join(digits), birth_date=birth_date, gender=gender)
    ]
    if len(agreeing) != 1:
        return None
    return agreeing[0], open_digits
