"""The province table behind the NIK's first two digits: complete, and matched to headers as OCR reads them."""

from __future__ import annotations

import pytest

from services.core.provinces import PROVINCE_CODES, PROVINCES, match_province, province_code


def test_every_province_of_the_2022_list_is_there() -> None:
    assert len(PROVINCES) == 38
    assert {"93", "94", "95", "96"} <= PROVINCE_CODES  # the Papua provinces created in 2022
    assert PROVINCES["32"] == "JAWA BARAT" and PROVINCES["91"] == "PAPUA"


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("PROVINSI JAWA BARAT", "32"),
        ("Provinsi  DKI Jakarta", "31"),
        ("PROVINSI DAERAH ISTIMEWA YOGYAKARTA", "34"),
        ("DI YOGYAKARTA", "34"),
        ("PROVINSI KEPULAUAN BANGKA BELITUNG", "19"),
        ("PROVINSI PAPUA BARAT DAYA", "96"),
    ],
)
def test_headers_as_cards_print_them(printed: str, code: str) -> None:
    assert province_code(printed) == code


def test_a_misread_letter_still_matches_but_another_name_does_not() -> None:
    assert province_code("PROVINSI JAWA BARAF") is None
    assert match_province("PROVINSI JAWA BARAF") == "32"
    assert match_province("PROVINSI SULAWESI SELATAM") == "73"
    assert match_province("KOTA BANDUNG") is None
    assert match_province("") is None
