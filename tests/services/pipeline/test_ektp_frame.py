"""Registering the e-KTP layout: the card found from its NIK whatever the crop, its rows fitted, a wrapped
address seen, and cards of other layouts left to the label-based reader."""

from __future__ import annotations

import pytest

from services.core import ektp_layout as L
from services.pipeline.ektp_frame import register
from tests.services.pipeline.conftest import ektp_fields, ektp_image, prepared, sample_image


def test_a_flat_card_registers_where_it_is_drawn() -> None:
    layout = register(prepared(ektp_image(ektp_fields(1, address="JL. MAWAR NO. 8"))))
    assert layout is not None
    assert abs(layout.frame.x0) < 8 and abs(layout.frame.y0) < 8  # within 1% of a 1000-wide card
    assert layout.frame.width == pytest.approx(1000, rel=0.01)
    assert [row.field for row in layout.rows] == [row.field for row in L.ROWS]


@pytest.mark.parametrize("variant", ["margin", "cut", "rotate", "blur", "jpeg", "uneven_light"])
def test_scans_register_whatever_their_crop_and_damage(variant: str) -> None:
    for seed in range(3):
        image, _ = sample_image("ektp", variant, seed)
        assert register(prepared(image)) is not None, (variant, seed)


def test_a_margin_of_table_moves_the_frame_not_the_rows() -> None:
    image, _ = sample_image("ektp", "margin", 4)
    layout = register(prepared(image))
    assert layout is not None
    assert layout.frame.x0 > 20 and layout.frame.width < 960  # the card sits inside the photo


def test_a_wrapped_address_takes_a_second_line_and_pushes_the_rows_below() -> None:
    long_address = "JL. TERUSAN JAKARTA NO. 123 PERUM GRIYA ASRI BLOK C2"
    layout = register(prepared(ektp_image(ektp_fields(2, address=long_address))))
    assert layout is not None and layout.wrapped_address
    address = layout.lines_of("address")
    assert len(address) == 2 and address[1].top > address[0].bottom
    assert layout.lines_of("rt_rw")[0].top > address[1].top
    short = register(prepared(ektp_image(ektp_fields(2, address="JL. MAWAR NO. 8"))))
    assert short is not None and not short.wrapped_address


@pytest.mark.parametrize(
    ("design", "variant"),
    [("ktp", "clean"), ("ktp", "tilt"), ("npwp", "clean"), ("ektp", "blank"), ("ektp", "random"), ("ktp", "blank")],
)
def test_other_layouts_and_non_cards_do_not_register(design: str, variant: str) -> None:
    image, _ = sample_image(design, variant, 5)
    assert register(prepared(image)) is None
