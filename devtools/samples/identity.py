"""Random but plausible KTP/NPWP field values, plus NIKs broken on purpose for the invalid variants."""

from __future__ import annotations

import datetime as dt
import random

from devtools.samples import reference as ref
from devtools.samples.nik import FEMALE, MALE, build_nik, encode_birth, nik_problems, parse_card_date

# Letters OCR post-processing does not turn into digits (unlike O, I, L, S, B, Z, G), so a
# malformed NIK stays malformed after any sensible clean-up.
NON_DIGIT_LETTERS = "XKMPRHWY"


def _random_date(rng: random.Random, *, start: dt.date, end: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(start.toordinal(), end.toordinal()))


def _card_date(value: dt.date) -> str:
    return value.strftime("%d-%m-%Y")


def _random_name(rng: random.Random, *, gender: str) -> str:
    if gender == MALE:
        first, middles = rng.choice(ref.MALE_FIRST_NAMES), ref.MALE_MIDDLE_NAMES
        last = rng.choice(ref.MALE_LAST_NAMES + ref.FAMILY_NAMES)
    else:
        first, middles = rng.choice(ref.FEMALE_FIRST_NAMES), ref.FEMALE_MIDDLE_NAMES
        last = rng.choice(ref.FEMALE_LAST_NAMES + ref.FAMILY_NAMES)
    shape = rng.random()
    if shape < 0.15:
        return f"{first} {rng.choice(middles)} {last}"
    if shape < 0.25:
        return first
    return f"{first} {last}"


def _random_street(rng: random.Random) -> str:
    prefix = "GG." if rng.random() < 0.15 else "JL."
    return f"{prefix} {rng.choice(ref.STREETS)} NO. {rng.randint(1, 150)}"


def _random_person(rng: random.Random, *, latest_birth: dt.date) -> tuple[ref.Region, str, dt.date, str]:
    region = rng.choice(ref.REGIONS)
    gender = rng.choice((MALE, FEMALE))
    birth = _random_date(rng, start=dt.date(1960, 1, 1), end=latest_birth)
    district_index = rng.randrange(len(region.districts))
    nik = build_nik(
        province_code=region.province_code,
        city_code=region.city_code,
        district_code=f"{district_index + 1:02d}",
        birth_date=birth,
        gender=gender,
        serial=rng.randint(1, 2999),
    )
    return region, gender, birth, nik


def random_ktp_fields(rng: random.Random) -> dict[str, str]:
    """Field values for a valid KTP; the NIK agrees with the printed region, birth date and gender."""
    region, gender, birth, nik = _random_person(rng, latest_birth=dt.date(2006, 12, 31))
    district_index = int(nik[4:6]) - 1
    district, villages = region.districts[district_index]
    birth_place = region.short_city if rng.random() < 0.6 else rng.choice(ref.OTHER_BIRTH_PLACES)
    return {
        "province": region.province,
        "city": region.city,
        "nik": nik,
        "name": _random_name(rng, gender=gender),
        "birth_place": birth_place,
        "birth_date": _card_date(birth),
        "gender": gender,
        "blood_type": rng.choices(ref.BLOOD_TYPES, weights=ref.BLOOD_WEIGHTS)[0],
        "address": _random_street(rng),
        "rt_rw": f"{rng.randint(1, 15):03d}/{rng.randint(1, 12):03d}",
        "village": rng.choice(villages),
        "district": district,
        "religion": rng.choices(ref.RELIGIONS, weights=ref.RELIGION_WEIGHTS)[0],
        "marital_status": rng.choices(ref.MARITAL_STATUSES, weights=ref.MARITAL_WEIGHTS)[0],
        "occupation": rng.choice(ref.OCCUPATIONS),
        "nationality": "WNI",
        "valid_until": "SEUMUR HIDUP",
    }


def _long_name(rng: random.Random, *, gender: str) -> str:
    """Three or four parts: the names that test whether a reader keeps a long value whole."""
    male = gender == MALE
    first = rng.choice(ref.MALE_FIRST_NAMES if male else ref.FEMALE_FIRST_NAMES)
    middle = rng.sample(ref.MALE_MIDDLE_NAMES if male else ref.FEMALE_MIDDLE_NAMES, k=rng.randint(1, 2))
    last = rng.choice((ref.MALE_LAST_NAMES if male else ref.FEMALE_LAST_NAMES) + ref.FAMILY_NAMES)
    return " ".join([first, *middle, last])


def _ektp_address(rng: random.Random) -> str:
    """A street, sometimes with a housing estate and block: a third of them wrap onto a second line."""
    street = _random_street(rng)
    if rng.random() < 0.35:
        return f"{street} {rng.choice(ref.ESTATES)} BLOK {rng.choice('ABCDEFGH')}{rng.randint(1, 12)}"
    return street


def random_ektp_fields(rng: random.Random) -> dict[str, str]:
    """Field values for a valid national e-KTP: random_ktp_fields plus the place and date of issue, longer names,
    addresses that wrap, the full occupation list, and now and then a holder who moved (the NIK keeps the
    province where it was issued while the card shows the new one)."""
    fields = random_ktp_fields(rng)
    if rng.random() < 0.2:
        fields["name"] = _long_name(rng, gender=fields["gender"])
    fields["address"] = _ektp_address(rng)
    fields["occupation"] = rng.choice(ref.OCCUPATIONS + ref.MORE_OCCUPATIONS)
    if rng.random() < 0.06:
        home = next(region for region in ref.REGIONS if region.city == fields["city"])
        moved_to = rng.choice([region for region in ref.REGIONS if region.province_code != home.province_code])
        fields["province"], fields["city"] = moved_to.province, moved_to.city
        fields["district"], villages = rng.choice(moved_to.districts)
        fields["village"] = rng.choice(villages)
    region = next(region for region in ref.REGIONS if region.city == fields["city"])
    fields["issue_place"] = region.short_city
    fields["issue_date"] = _card_date(_issue_date(rng, born=parse_card_date(fields["birth_date"])))
    return fields


def _issue_date(rng: random.Random, *, born: dt.date) -> dt.date:
    """Between the 17th birthday (or 2011, when e-KTPs began) and the end of 2024."""
    start = max(dt.date(2011, 1, 1), dt.date(born.year + 17, born.month, min(born.day, 28)))
    return _random_date(rng, start=min(start, dt.date(2024, 12, 31)), end=dt.date(2024, 12, 31))


def luhn_check_digit(digits: str) -> str:
    """Luhn check digit of a digit string (the ninth NPWP digit checks the first eight)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def format_npwp(digits: str) -> str:
    """Format 15 NPWP digits the way the card prints them: 99.999.999.9-999.999."""
    if len(digits) != 15 or not digits.isdigit():
        raise ValueError(f"an NPWP has 15 digits, got {digits!r}")
    d = digits
    return f"{d[0:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:15]}"


def random_npwp_fields(rng: random.Random) -> dict[str, str]:
    """Field values for a valid individual NPWP card; the NIK is valid and the check digit correct."""
    region, gender, birth, nik = _random_person(rng, latest_birth=dt.date(2004, 12, 31))
    head = rng.choice(("04", "05", "06", "07", "08", "09")) + f"{rng.randint(0, 999999):06d}"
    digits = head + luhn_check_digit(head) + region.kpp_code + "000"
    adult = dt.date(birth.year + 18, birth.month, min(birth.day, 28))
    registered = _random_date(rng, start=max(adult, dt.date(2005, 1, 1)), end=dt.date(2023, 12, 31))
    return {
        "npwp": format_npwp(digits),
        "name": _random_name(rng, gender=gender),
        "nik": nik,
        "address": f"{_random_street(rng)}, {region.short_city}",
        "kpp": f"KPP PRATAMA {region.short_city}",
        "registered": _card_date(registered),
    }


def _shift_birth_block(rng: random.Random, nik: str, *, birth: dt.date, gender: str) -> str:
    while True:
        other = _random_date(rng, start=dt.date(1960, 1, 1), end=dt.date(2006, 12, 31))
        if (other.day, other.month, other.year % 100) != (birth.day, birth.month, birth.year % 100):
            return nik[:6] + encode_birth(other, gender=gender) + nik[12:]


def make_invalid_nik(
    rng: random.Random, *, nik: str, birth_date: str | None = None, gender: str | None = None
) -> tuple[str, str]:
    """A 16-digit NIK that breaks the rules, and why.

    With the printed birth date and gender (a KTP) it uses an unknown province code or a
    birth date / gender mismatch; without them (an NPWP, which prints neither) it uses an unknown
    province code, an impossible birth block or serial 0000.
    """
    if birth_date is not None and gender is not None:
        kinds = ("province", "birth_date", "gender")
    else:
        kinds = ("province", "impossible_date", "zero_serial")
    kind = rng.choice(kinds)
    if kind == "province":
        broken = rng.choice(ref.UNKNOWN_PROVINCE_CODES) + nik[2:]
    elif kind == "birth_date":
        # bandit B101: sample generation's internal invariant
        assert birth_date is not None and gender is not None  # nosec B101
        broken = _shift_birth_block(rng, nik, birth=parse_card_date(birth_date), gender=gender)
    elif kind == "gender":
        raw_day = int(nik[6:8])
        flipped = raw_day - 40 if raw_day > 40 else raw_day + 40
        broken = nik[:6] + f"{flipped:02d}" + nik[8:]
    elif kind == "impossible_date":
        broken = nik[:8] + f"{rng.randint(13, 19):02d}" + nik[10:]
    else:
        broken = nik[:12] + "0000"
    problems = nik_problems(broken, birth_date=birth_date, gender=gender)
    if not problems or len(broken) != len(nik):
        raise AssertionError(f"failed to break NIK {nik!r} by {kind}")
    return broken, "; ".join(problems)


def edit_birth_year(fields: dict[str, str], rng: random.Random) -> tuple[dict[str, str], str]:
    """The card of someone made older: the printed birth year and the NIK's year digits (11-12) both changed, so the
    NIK still agrees with the card. Only the typeface of the edited digits shows it (the renderer's edited_cells)."""
    born = parse_card_date(fields["birth_date"])
    older = born.replace(year=born.year - rng.randint(3, 12), day=min(born.day, 28))
    edited = dict(fields)
    edited["birth_date"] = _card_date(older)
    edited["nik"] = fields["nik"][:6] + encode_birth(older, gender=fields["gender"]) + fields["nik"][12:]
    note = f"birth year {born.year} -> {older.year} on the card and in NIK digits 11-12, re-printed in Arial"
    return edited, note


def make_malformed_nik(rng: random.Random, *, nik: str) -> tuple[str, str]:
    """A NIK of the wrong length or with letters in it, and why."""
    kind = rng.choice(("short", "long", "letters"))
    if kind == "short":
        drop = rng.randint(1, 2)
        broken = nik[: len(nik) - drop]
    elif kind == "long":
        broken = nik + str(rng.randint(0, 9))
    else:
        chars = list(nik)
        for position in rng.sample(range(6, len(chars)), k=rng.randint(1, 2)):
            chars[position] = rng.choice(NON_DIGIT_LETTERS)
        broken = "".join(chars)
    return broken, "; ".join(nik_problems(broken))
