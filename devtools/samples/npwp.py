"""Draws the NPWP card as the tax office (DJP) prints it: the emblem and the ministry's two header lines, the NPWP
number, then the holder's name on a line of its own with no label, the NIK, the address unlabelled, and at the
bottom the tax office and the date of registration. Arial (Liberation Sans) on a light card with a faint pattern."""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np
from PIL import Image, ImageDraw

from services.pipeline.fonts import LIBERATION_SANS, LIBERATION_SANS_BOLD, load_font

WIDTH = 1000
HEIGHT = 631  # ID-1
INK = (24, 26, 32)


def _paper(rng: random.Random) -> Image.Image:
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.array((247, 247, 242), np.float32)
    wave = 4 * np.sin(xs / rng.uniform(9, 14) + np.sin(ys / 40) * 3)  # a faint security pattern
    tint = np.stack([0 * xs, 2 * ys / HEIGHT, 10 * ys / HEIGHT], axis=2)  # yellowing towards the bottom
    pixels = base + wave[..., None] - tint
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _emblem(draw: ImageDraw.ImageDraw, x: int, y: int, size: int) -> None:
    draw.ellipse((x, y, x + size, y + size), fill=(232, 190, 60))
    draw.ellipse((x + size // 6, y + size // 6, x + size * 5 // 6, y + size * 5 // 6), fill=(30, 70, 140))
    draw.polygon([(x + size // 2, y + size // 5), (x + size * 4 // 5, y + size * 4 // 5), (x + size // 5, y + size * 4 // 5)], fill=(232, 190, 60))


def render_npwp_djp(fields: Mapping[str, str], *, rng: random.Random) -> Image.Image:
    """An NPWP card in the DJP's layout with the given fields (keys as in random_npwp_fields)."""
    card = _paper(rng)
    draw = ImageDraw.Draw(card)
    _emblem(draw, 40, 34, 92)
    header = load_font(LIBERATION_SANS_BOLD, 27)
    draw.text((150, 70), "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA", font=header, fill=INK, anchor="ls")
    draw.text((150, 108), "DIREKTORAT JENDERAL PAJAK", font=header, fill=INK, anchor="ls")
    number = load_font(LIBERATION_SANS_BOLD, 36)
    draw.text((48, 205), f"NPWP : {fields['npwp']}", font=number, fill=INK, anchor="ls")
    name = load_font(LIBERATION_SANS_BOLD, 30)
    draw.text((48, 262), fields["name"], font=name, fill=INK, anchor="ls")
    body = load_font(LIBERATION_SANS, 26)
    draw.text((48, 312), f"NIK : {fields['nik']}", font=body, fill=INK, anchor="ls")
    draw.text((48, 358), fields["address"], font=body, fill=INK, anchor="ls")
    city = fields["kpp"].removeprefix("KPP PRATAMA ")
    draw.text((48, 400), f"KOTA {city}", font=body, fill=INK, anchor="ls")
    small = load_font(LIBERATION_SANS, 24)
    draw.text((48, 560), fields["kpp"], font=small, fill=INK, anchor="ls")
    registered = f"Tanggal Terdaftar : {fields['registered']}"
    draw.text((WIDTH - 48 - small.getlength(registered), 560), registered, font=small, fill=INK, anchor="ls")
    return card
