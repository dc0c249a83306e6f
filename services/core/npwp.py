"""Indonesian NPWP rules: the 16-digit NPWP that is its holder's NIK, and the classic 15-digit number.

Since PMK 112/2022 a resident individual's NPWP is their NIK: a 16-digit NPWP must pass the NIK rules and, on a
card that also prints the NIK, be that NIK. The classic number is ST.sss.sss.C-OOO.BBB: taxpayer type and serial
(8 digits), a check digit C computed with Luhn over those 8 (so a misread digit shows), the tax office (KPP) and a
branch code; its serial starts from 1. The check-digit rule is the one public validators use (python-stdnum,
Business::ID::NPWP) — no DJP specification was available — so a failure sends the card to a person, never to an
automatic rejection.
"""

from __future__ import annotations

import re

from services.core.nik import parse_nik


def npwp_problems(number: str, *, card_nik: str | None = None) -> tuple[str, ...]:
    """Every rule the NPWP breaks, as problem codes; () for a sound number."""
    if re.fullmatch(r"\d{16}", number):
        problems = [f"npwp_{code}" for code in parse_nik(number).problems]
        if card_nik and re.fullmatch(r"\d{16}", card_nik) and card_nik != number:
            problems.append("npwp_nik_mismatch")
        return tuple(problems)
    if not re.fullmatch(r"\d{15}", number):
        return ("npwp_malformed",)
    problems = []
    if not luhn_valid(number[:9]):
        problems.append("npwp_check_digit")
    if number[2:8] == "000000":
        problems.append("npwp_zero_serial")
    return tuple(problems)


def npwp_nik(number: str, *, card_nik: str | None = None) -> str | None:
    """The NIK an NPWP card stands for: the 16-digit NPWP itself, else the NIK it prints (newer classic cards)."""
    if re.fullmatch(r"\d{16}", number):
        return number
    return card_nik if card_nik and re.fullmatch(r"\d{16}", card_nik) else None


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) over a digit string whose last digit is the check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
