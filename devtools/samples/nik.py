"""NIK structure rules, so the generator can prove its valid NIKs valid and its broken ones broken."""

from __future__ import annotations

import datetime as dt

from services.core.nik import FEMALE_DAY_OFFSET, check_nik_against_card

NIK_LENGTH = 16
MALE = "LAKI-LAKI"
FEMALE = "PEREMPUAN"


def encode_birth(birth_date: dt.date, *, gender: str) -> str:
    """The DDMMYY block of a NIK; women's day of birth is raised by 40."""
    day = birth_date.day + (FEMALE_DAY_OFFSET if gender == FEMALE else 0)
    return f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def build_nik(
    *, province_code: str, city_code: str, district_code: str, birth_date: dt.date, gender: str, serial: int
) -> str:
    """Assemble a NIK from its parts; serial must be 1..9999."""
    if not 1 <= serial <= 9999:
        raise ValueError(f"NIK serial must be 1..9999, got {serial}")
    nik = f"{province_code}{city_code}{district_code}{encode_birth(birth_date, gender=gender)}{serial:04d}"
    if len(nik) != NIK_LENGTH or not nik.isdigit():
        raise ValueError(f"parts do not make a 16-digit NIK: {nik!r}")
    return nik


def parse_card_date(text: str) -> dt.date:
    """Parse a date as printed on cards, DD-MM-YYYY."""
    return dt.datetime.strptime(text, "%d-%m-%Y").date()


def nik_problems(nik: str, *, birth_date: str | None = None, gender: str | None = None) -> list[str]:
    """The platform's own NIK rules (services.core.nik), with the birth date given as printed (DD-MM-YYYY)."""
    printed = parse_card_date(birth_date) if birth_date is not None else None
    return list(check_nik_against_card(nik, birth_date=printed, gender=gender))


def is_valid_nik(nik: str, *, birth_date: str | None = None, gender: str | None = None) -> bool:
    """True when nik_problems finds nothing."""
    return not nik_problems(nik, birth_date=birth_date, gender=gender)
