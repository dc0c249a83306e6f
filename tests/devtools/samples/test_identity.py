"""Generated field values follow the NIK and NPWP rules, and the broken NIKs really are broken."""

from __future__ import annotations

import random

from devtools.samples.identity import (
    NON_DIGIT_LETTERS,
    format_npwp,
    luhn_check_digit,
    make_invalid_nik,
    make_malformed_nik,
    random_ktp_fields,
    random_npwp_fields,
)
from devtools.samples.nik import FEMALE, MALE, nik_problems, parse_card_date
from devtools.samples.reference import PROVINCE_CODES, REGIONS, UNKNOWN_PROVINCE_CODES

# fmt: off
KTP_KEYS = {
    "nik", "name", "birth_place", "birth_date", "gender", "blood_type", "address", "rt_rw", "village",
    "district", "religion", "marital_status", "occupation", "nationality", "valid_until", "province", "city",
}
# fmt: on
NPWP_KEYS = {"npwp", "name", "nik", "address", "kpp", "registered"}
SEEDS = range(300)


def _decode_birth_block(nik: str) -> tuple[int, int, int, bool]:
    raw_day = int(nik[6:8])
    return raw_day - 40 if raw_day > 40 else raw_day, int(nik[8:10]), int(nik[10:12]), raw_day > 40


def test_ktp_fields_have_every_key_as_ascii_uppercase() -> None:
    for seed in SEEDS:
        fields = random_ktp_fields(random.Random(seed))
        assert set(fields) == KTP_KEYS
        for value in fields.values():
            assert value.isascii() and value == value.upper() and value.strip() == value


def test_ktp_nik_agrees_with_printed_birth_date_gender_and_region() -> None:
    for seed in SEEDS:
        _check_ktp_nik(random_ktp_fields(random.Random(seed)))


def _check_ktp_nik(fields: dict[str, str]) -> None:
    nik = fields["nik"]
    assert len(nik) == 16 and nik.isdigit()
    assert nik[:2] in PROVINCE_CODES
    assert nik[12:] != "0000"
    born = parse_card_date(fields["birth_date"])
    day, month, yy, female = _decode_birth_block(nik)
    assert (day, month, yy) == (born.day, born.month, born.year % 100)
    assert female == (fields["gender"] == FEMALE)
    assert fields["gender"] in (MALE, FEMALE)
    region = next(r for r in REGIONS if r.province_code == nik[:2] and r.city_code == nik[2:4])
    assert (fields["province"], fields["city"]) == (region.province, region.city)
    assert fields["district"] == region.districts[int(nik[4:6]) - 1][0]
    assert nik_problems(nik, birth_date=fields["birth_date"], gender=fields["gender"]) == []


def test_both_genders_and_all_blood_types_occur() -> None:
    samples = [random_ktp_fields(random.Random(seed)) for seed in SEEDS]
    assert {f["gender"] for f in samples} == {MALE, FEMALE}
    assert {f["blood_type"] for f in samples} == {"A", "B", "AB", "O", "-"}


def test_npwp_fields_are_well_formed() -> None:
    for seed in SEEDS:
        _check_npwp(random_npwp_fields(random.Random(seed)))


def _check_npwp(fields: dict[str, str]) -> None:
    assert set(fields) == NPWP_KEYS
    digits = fields["npwp"].replace(".", "").replace("-", "")
    assert format_npwp(digits) == fields["npwp"]
    assert luhn_check_digit(digits[:8]) == digits[8]
    assert nik_problems(fields["nik"]) == []
    assert fields["kpp"].startswith("KPP PRATAMA ")
    parse_card_date(fields["registered"])


def test_luhn_check_digit_matches_known_value() -> None:
    assert luhn_check_digit("7992739871") == "3"  # the textbook Luhn example


def test_invalid_ktp_nik_has_16_digits_but_breaks_a_rule() -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        _check_invalid_ktp_nik(rng, random_ktp_fields(rng))


def _check_invalid_ktp_nik(rng: random.Random, fields: dict[str, str]) -> None:
    broken, why = make_invalid_nik(rng, nik=fields["nik"], birth_date=fields["birth_date"], gender=fields["gender"])
    assert len(broken) == 16 and broken.isdigit()
    unknown_province = broken[:2] in UNKNOWN_PROVINCE_CODES
    born = parse_card_date(fields["birth_date"])
    day, month, yy, female = _decode_birth_block(broken)
    date_mismatch = (day, month, yy) != (born.day, born.month, born.year % 100)
    gender_mismatch = female != (fields["gender"] == FEMALE)
    assert unknown_province or date_mismatch or gender_mismatch
    assert why and nik_problems(broken, birth_date=fields["birth_date"], gender=fields["gender"])


def test_invalid_ktp_niks_cover_province_date_and_gender_defects() -> None:
    reasons: set[str] = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        fields = random_ktp_fields(rng)
        _, why = make_invalid_nik(rng, nik=fields["nik"], birth_date=fields["birth_date"], gender=fields["gender"])
        reasons.update(why.split("; "))
    assert {"nik_unknown_province", "nik_birth_date_mismatch", "nik_gender_mismatch"} <= reasons


def test_invalid_npwp_nik_is_invalid_on_its_own() -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        broken, _ = make_invalid_nik(rng, nik=random_npwp_fields(rng)["nik"])
        assert len(broken) == 16 and broken.isdigit()
        assert nik_problems(broken), broken


def test_malformed_nik_has_wrong_length_or_letters() -> None:
    kinds: set[str | int] = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        broken, why = make_malformed_nik(rng, nik=random_ktp_fields(rng)["nik"])
        has_letters = any(char in NON_DIGIT_LETTERS for char in broken)
        assert len(broken) != 16 or has_letters, broken
        assert not (len(broken) == 16 and broken.isdigit()) and why
        kinds.add("letters" if has_letters else len(broken))
    assert kinds == {"letters", 14, 15, 17}


def test_nik_problems_spots_each_rule() -> None:
    good = "3273014508900123"  # Bandung, woman born 05-08-1990
    assert nik_problems(good, birth_date="05-08-1990", gender=FEMALE) == []
    assert nik_problems("9973014508900123")  # unknown province
    assert nik_problems("3273014513900123")  # month 13
    assert nik_problems("3273014508900000")  # serial 0000
    assert nik_problems(good, birth_date="06-08-1990", gender=FEMALE)
    assert nik_problems(good, birth_date="05-08-1990", gender=MALE)
    assert nik_problems(good[:-1])
    assert nik_problems(good[:-1] + "X")
