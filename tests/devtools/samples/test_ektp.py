"""The e-KTP renderer draws the national design: ID-1 shape, the NIK in OCR-A cells where the layout puts them,
the values clear of the photo column, a guilloche brightest in blue, long values kept on the card."""

from __future__ import annotations

import random

import numpy as np
import pytest

from devtools.samples.ektp import EktpStyle, render_ektp
from devtools.samples.identity import random_ektp_fields
from services.core import ektp_layout as L
from services.pipeline.fonts import LIBERATION_SANS_BOLD

INK_MAX = 90  # every channel below this: ink (the guilloche and the paper are far lighter)


def _ink(card: np.ndarray) -> np.ndarray:
    return (card < INK_MAX).all(axis=2)


def _card(seed: int = 1, style: EktpStyle | None = None, **fields: str) -> np.ndarray:
    values = {**random_ektp_fields(random.Random(seed)), **fields}
    return np.asarray(render_ektp(values, rng=random.Random(seed), style=style or EktpStyle(), width=1000))


def test_the_card_has_the_id1_shape_and_is_reproducible() -> None:
    card = _card()
    assert card.shape == (round(1000 * L.CARD_ASPECT), 1000, 3)
    assert (card == _card()).all()
    assert not (card == _card(seed=2)).all()


def test_the_nik_fills_its_sixteen_cells() -> None:
    card = _card()
    h, w = card.shape[:2]
    band = _ink(card)[int(L.NIK_BAND[0] * h) : int(L.NIK_BAND[1] * h)]
    columns = band.any(axis=0)
    inked = np.flatnonzero(columns[int(L.NIK_X[0] * w) : int(L.NIK_X[1] * w)])
    assert inked.min() < 0.02 * w and inked.max() > L.NIK_X[1] * w - L.NIK_X[0] * w - 0.02 * w
    rows = np.flatnonzero(band.any(axis=1))
    assert (rows.max() - rows.min()) == pytest.approx(L.NIK_DIGIT_HEIGHT * h, rel=0.15)


def test_no_value_reaches_into_the_photo_column() -> None:
    card = _card(name="MUHAMMAD RIZKY RAMADHAN FIRMANSYAH", occupation="PEGAWAI NEGERI SIPIL (PNS)")
    h, w = card.shape[:2]
    text_rows = _ink(card)[int(L.FIRST_ROW_TOP * h) : int(0.9 * h)]
    between = text_rows[:, int((L.VALUE_RIGHT + 0.002) * w) : int((L.PHOTO[0] - 0.002) * w)]
    assert not between.any()


def test_the_guilloche_is_light_and_brightest_in_blue() -> None:
    blank = np.asarray(render_ektp({}, rng=random.Random(3), width=1000)).astype(int)
    h, w = blank.shape[:2]
    paper = blank[int(0.3 * h) : int(0.9 * h), int(0.05 * w) : int(0.6 * w)]
    assert (paper[..., 2] >= paper[..., 0]).mean() > 0.99  # RGB: blue at least red everywhere
    assert paper.min() > 120 and not _ink(paper.astype(np.uint8)).any()  # no ink on a blank card
    assert paper[..., 0].std() > 3  # a pattern, not a flat colour


def test_another_typeface_for_the_nik_keeps_its_cells() -> None:
    ocr_a, arial = _card(), _card(style=EktpStyle(nik_font=LIBERATION_SANS_BOLD))
    h = ocr_a.shape[0]
    band = slice(int(L.NIK_BAND[0] * h), int(L.NIK_BAND[1] * h))
    assert not (ocr_a[band] == arial[band]).all()
    assert (ocr_a[int(0.3 * h) :] == arial[int(0.3 * h) :]).all()  # only the NIK differs


def test_edited_cells_differ_only_there() -> None:
    plain, edited = _card(), _card(style=EktpStyle(edited_cells=(10, 11)))
    w = plain.shape[1]
    changed = np.flatnonzero((plain != edited).any(axis=(0, 2)))
    left = (L.NIK_X[0] + 10 * L.NIK_PITCH) * w
    right = (L.NIK_X[0] + 12 * L.NIK_PITCH) * w
    assert changed.min() >= left - 0.01 * w and changed.max() <= right + 0.01 * w
