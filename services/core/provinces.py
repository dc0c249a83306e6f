"""Indonesia's province codes (the first two NIK digits) and the names the KTP header prints for them.

Source: the Ministry of Home Affairs' regional code list, Keputusan Menteri Dalam Negeri Nomor
100.1.1-6117 Tahun 2022 (Kode dan Data Wilayah Administrasi Pemerintahan dan Pulau), which added the four
Papua provinces created in 2022 (93-96). Dukcapil's NIK uses these codes, not Statistics Indonesia's (BPS
numbers the Papua provinces differently).

A NIK is issued once and kept for life: a person who moves gets a new card from the new province with the
old NIK. So a NIK whose province differs from the header is weaker evidence than a birth date or gender that
contradicts the card (docs/reading.md, "Cross-checks").
"""

from __future__ import annotations

import difflib
import re

# fmt: off
PROVINCES: dict[str, str] = {
    "11": "ACEH", "12": "SUMATERA UTARA", "13": "SUMATERA BARAT", "14": "RIAU", "15": "JAMBI",
    "16": "SUMATERA SELATAN", "17": "BENGKULU", "18": "LAMPUNG", "19": "KEPULAUAN BANGKA BELITUNG",
    "21": "KEPULAUAN RIAU", "31": "DKI JAKARTA", "32": "JAWA BARAT", "33": "JAWA TENGAH",
    "34": "DI YOGYAKARTA", "35": "JAWA TIMUR", "36": "BANTEN", "51": "BALI", "52": "NUSA TENGGARA BARAT",
    "53": "NUSA TENGGARA TIMUR", "61": "KALIMANTAN BARAT", "62": "KALIMANTAN TENGAH",
    "63": "KALIMANTAN SELATAN", "64": "KALIMANTAN TIMUR", "65": "KALIMANTAN UTARA", "71": "SULAWESI UTARA",
    "72": "SULAWESI TENGAH", "73": "SULAWESI SELATAN", "74": "SULAWESI TENGGARA", "75": "GORONTALO",
    "76": "SULAWESI BARAT", "81": "MALUKU", "82": "MALUKU UTARA", "91": "PAPUA", "92": "PAPUA BARAT",
    "93": "PAPUA SELATAN", "94": "PAPUA TENGAH", "95": "PAPUA PEGUNUNGAN", "96": "PAPUA BARAT DAYA",
}
# Other spellings cards and people use for the same province.
_ALIASES: dict[str, str] = {
    "NANGGROE ACEH DARUSSALAM": "11", "NAD": "11", "BANGKA BELITUNG": "19", "DAERAH KHUSUS IBUKOTA JAKARTA": "31",
    "JAKARTA": "31", "DAERAH ISTIMEWA YOGYAKARTA": "34", "D.I. YOGYAKARTA": "34", "D I YOGYAKARTA": "34",
    "YOGYAKARTA": "34", "NTB": "52", "NTT": "53", "IRIAN JAYA": "91",
}
# fmt: on
PROVINCE_CODES: frozenset[str] = frozenset(PROVINCES)
_BY_NAME: dict[str, str] = {**{name: code for code, name in PROVINCES.items()}, **_ALIASES}


def province_key(name: str) -> str:
    """A printed province name reduced to what comparisons need: capitals and single spaces, no prefix."""
    text = " ".join(re.sub(r"[^A-Z. ]", " ", name.upper()).split())
    return re.sub(r"^PROVINSI\s+", "", text)


def province_code(name: str) -> str | None:
    """The code of a province name as printed ("PROVINSI JAWA BARAT", "DKI JAKARTA"); None when unknown."""
    return _BY_NAME.get(province_key(name))


def match_province(printed: str, *, cutoff: float = 0.85) -> str | None:
    """The code of a header as OCR read it, tolerating a misread letter or two; None when nothing is close."""
    exact = province_code(printed)
    if exact is not None:
        return exact
    close = difflib.get_close_matches(province_key(printed), list(_BY_NAME), n=1, cutoff=cutoff)
    return _BY_NAME[close[0]] if close else None
