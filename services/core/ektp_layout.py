"""Where the national e-KTP prints each thing, as fractions of the card's width (x) and height (y).

Measured on scans of real cards (docs/reading.md, "The e-KTP layout"); the reader registers these on a card
and the sample generator draws by them, with the small offsets real printers and scanners add.
"""

from __future__ import annotations

from dataclasses import dataclass

# ID-1: 85.60 x 53.98 mm.
CARD_ASPECT = 53.98 / 85.60  # height / width


@dataclass(frozen=True)
class Row:
    """One labelled field row: what it holds, its label as printed and where the label starts."""

    field: str
    label: str
    label_x: float


LABEL_X = 0.05
INDENT_X = 0.11  # RT/RW, Kel/Desa and Kecamatan belong to the address and are indented under it
ROWS: tuple[Row, ...] = (
    Row("name", "Nama", LABEL_X),
    Row("birth", "Tempat/Tgl Lahir", LABEL_X),
    Row("gender", "Jenis Kelamin", LABEL_X),  # Gol. Darah shares this row at BLOOD_X
    Row("address", "Alamat", LABEL_X),
    Row("rt_rw", "RT/RW", INDENT_X),
    Row("village", "Kel/Desa", INDENT_X),
    Row("district", "Kecamatan", INDENT_X),
    Row("religion", "Agama", LABEL_X),
    Row("marital_status", "Status Perkawinan", LABEL_X),
    Row("occupation", "Pekerjaan", LABEL_X),
    Row("nationality", "Kewarganegaraan", LABEL_X),
    Row("valid_until", "Berlaku Hingga", LABEL_X),
)
FIRST_ROW_TOP = 0.26
ROW_PITCH = 0.047
ROW_TEXT_HEIGHT = 0.04
COLON_X = 0.27
VALUE_X = 0.28
# Values end before the photo column; under the photo the city and date of issue sit beside the last rows.
VALUE_RIGHT = 0.72
BLOOD_X = 0.52

PROVINCE_BAND = (0.04, 0.08)
CITY_BAND = (0.09, 0.14)
NIK_BAND = (0.16, 0.22)
NIK_LABEL_X = 0.05
NIK_X = (0.27, 0.70)  # the 16 OCR-A digits, evenly spaced (OCR-A is monospaced)
NIK_DIGITS = 16
NIK_DIGIT_HEIGHT = 0.053
PHOTO = (0.73, 0.20, 0.97, 0.62)  # x0, y0, x1, y1
ISSUE_PLACE_BAND = (0.66, 0.70)
ISSUE_DATE_BAND = (0.71, 0.75)
ISSUE_X = (0.76, 0.93)


def row_top(index: int, *, extra_lines_above: int = 0) -> float:
    """y of the top of a row's text; a wrapped address above pushes the rows below it down by a pitch each."""
    return FIRST_ROW_TOP + (index + extra_lines_above) * ROW_PITCH


NIK_PITCH = (NIK_X[1] - NIK_X[0]) / NIK_DIGITS
