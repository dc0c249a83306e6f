"""NIK structure rules, so the generator can prove its valid NIKs valid and its broken ones broken."""

from __future__ import annotations

import datetime as dt

from services.samples.reference import PROVINCE_CODES

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
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


def _calendar_date_exists(day: int, month: int, yy: int) -> bool:
    for century in (1900, 2000):
        try:
            dt.date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False


def nik_problems(nik: str, *, birth_date: str | None = None, gender: str | None = None) -> list[str]:
    """Every rule the NIK breaks (empty when valid); birth_date (DD-MM-YYYY) and gender are cross-checked when given."""
    if len(nik) != NIK_LENGTH:
        return [f"length {len(nik)} is not {NIK_LENGTH}"]
    if not nik.isdigit():
        return ["contains characters other than digits"]
    problems: list[str] = []
    if nik[:2] not in PROVINCE_CODES:
        problems.append(f"unknown province code {nik[:2]}")
    if nik[2:4] == "00":
        problems.append("regency/city code 00")
    if nik[4:6] == "00":
        problems.append("district code 00")
    raw_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    is_female = raw_day > FEMALE_DAY_OFFSET
    day = raw_day - FEMALE_DAY_OFFSET if is_female else raw_day
    if not _calendar_date_exists(day, month, yy):
        problems.append(f"birth block {nik[6:12]} is not a date")
    if nik[12:] == "0000":
        problems.append("serial 0000")
    if birth_date is not None:
        printed = parse_card_date(birth_date)
        if (day, month, yy) != (printed.day, printed.month, printed.year % 100):
            problems.append(f"birth block {nik[6:12]} does not match birth date {birth_date}")
    if gender is not None and is_female != (gender == FEMALE):
        problems.append(f"day offset does not match gender {gender}")
    return problems


def is_valid_nik(nik: str, *, birth_date: str | None = None, gender: str | None = None) -> bool:
    """True when nik_problems finds nothing."""
    return not nik_problems(nik, birth_date=birth_date, gender=gender)
