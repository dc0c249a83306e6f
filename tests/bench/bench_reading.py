"""The CPU cost per card of reading the national e-KTP field by field, against today's floor (the warm engine
reading the whole preprocessed card, what the label-based reader pays), in the same run on the same cards; and
the NIK readers side by side: OCR-A glyph templates, Tesseract on the NIK line, and a PP-OCR line recogniser
(rapidocr-onnxruntime, when installed: it is not a project dependency).

Run with `make bench` (or `python -m tests.bench.bench_reading [--cards N] [--runs R]`). One process, one
Tesseract thread (OMP_THREAD_LIMIT=1): CPU time per card is what one vCPU pays.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

os.environ["OMP_THREAD_LIMIT"] = "1"

from devtools.samples.generate import generate_sample, sample_rng
from devtools.samples.truth import EKTP_DEGRADED_VARIANTS
from services.adapters.ocr import WarmTesseractEngine
from services.core.fields import extract_fields
from services.core.model import DocType
from services.pipeline.ektp_frame import register
from services.pipeline.ektp_reader import read_ektp
from services.pipeline.ocra import IMPOSTOR_MARGIN, read_glyph_run
from services.pipeline.preprocess import decode_image, preprocess
from services.pipeline.read import read_card
from services.platform.settings import DEFAULT_MAX_IMAGE_PIXELS
from tests.bench.bench_kernels import median_ms

VARIANTS = ("clean", *EKTP_DEGRADED_VARIANTS)


def cards(count: int, seed: int) -> list[tuple[np.ndarray, dict[str, str]]]:
    """count scanned e-KTPs, the valid variants in turn, decoded from PNG as a worker gets them."""
    out = []
    for i in range(count):
        variant = VARIANTS[i % len(VARIANTS)]
        image, truth = generate_sample(design="ektp", variant=variant, index=i + 1, rng=sample_rng(seed, "ektp", variant, i + 1))
        ok, png = cv2.imencode(".png", cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR))
        assert ok
        out.append((decode_image(png.tobytes(), max_pixels=DEFAULT_MAX_IMAGE_PIXELS), truth.fields))
    return out


def cpu_ms(call: Callable[[], object], runs: int) -> float:
    """Median CPU milliseconds of call over runs (after one warm-up call)."""
    return median_ms(call, runs, clock=time.process_time)


def per_card(grays: Sequence[np.ndarray], call: Callable[[np.ndarray], object], runs: int) -> list[float]:
    return [cpu_ms(lambda gray=gray: call(gray), runs) for gray in grays]


def nik_crop(gray: np.ndarray) -> np.ndarray | None:
    layout = register(gray)
    if layout is None:
        return None
    run = layout.nik_run
    pad = int(0.3 * run.height)
    crop = gray[max(0, run.top - pad) : run.bottom + pad, max(0, run.left - pad) : run.right + pad]
    return cv2.resize(crop, None, fx=40 / run.height, fy=40 / run.height, interpolation=cv2.INTER_CUBIC)


def nik_options(grays: Sequence[np.ndarray], truths: Sequence[str], engine: WarmTesseractEngine, runs: int) -> list[dict[str, Any]]:
    """Each NIK reader's exact reads and CPU ms per card (the line already found: registration is shared)."""
    layouts = [register(gray) for gray in grays]
    crops = [nik_crop(gray) for gray in grays]
    options: dict[str, Callable[[int], str]] = {
        "OCR-A glyph templates (ours)": lambda i: read_glyph_run(grays[i], layouts[i].nik_run).text,  # type: ignore[union-attr]
        "Tesseract 5, NIK line, psm 7, digits": lambda i: "".join(
            line.text for line in engine.read_line(crops[i], charset="0123456789")  # type: ignore[arg-type]
        ).replace(" ", ""),
    }
    try:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-not-found]

        rapid = RapidOCR()

        def rapid_line(i: int) -> str:
            result, _ = rapid(crops[i], use_det=False, use_cls=False, use_rec=True)
            return "".join(ch for ch in (result[0][0] if result else "") if ch.isdigit())

        options["PP-OCR recogniser (rapidocr-onnxruntime), NIK line"] = rapid_line
    except ImportError:
        print("  (rapidocr-onnxruntime not installed: `pip install rapidocr-onnxruntime` adds it to this table)")
    rows = []
    for name, read in options.items():
        exact = sum(read(i) == truths[i] for i in range(len(grays)))
        times = [cpu_ms(lambda i=i, read=read: read(i), runs) for i in range(len(grays))]
        rows.append({"reader": name, "exact": exact, "cards": len(grays), "cpu_ms": statistics.mean(times)})
    return rows


def font_check(genuine: int, edited: int, seed: int) -> dict[str, Any]:
    """The font check's two numbers per NIK cell (its OCR-A fit, and how much better an Arial-like digit fits) on
    genuine scans of every damage and on cards edited in Arial, against the thresholds in services.pipeline.ocra."""
    from services.pipeline import ocra

    def cells(variant: str, index: int) -> list[tuple[float, float]]:
        image, _ = generate_sample(design="ektp", variant=variant, index=index, rng=sample_rng(seed, "ektp", variant, index))
        gray = preprocess(cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR), card_width=1000)[0]
        layout = register(gray)
        if layout is None:
            return []
        line = read_glyph_run(gray, layout.nik_run)
        return [(cell.score, cell.impostor_score - cell.score) for cell in line.cells]

    real = [cell for i in range(genuine) for cell in cells(VARIANTS[i % len(VARIANTS)], 100 + i)]
    caught = 0
    weakest = 1.0  # over tampered cards, the evidence of its most Arial-like cell: how much better Arial fits it
    for i in range(edited):
        variant = "edited_nik" if i % 3 else "font_mismatch"
        edit = cells(variant, 100 + i)
        caught += any(score < ocra.FONT_FIT_MIN or gap > -ocra.IMPOSTOR_MARGIN for score, gap in edit)
        weakest = min(weakest, max((gap for _, gap in edit), default=1.0))
    flagged = sum(score < ocra.FONT_FIT_MIN or gap > -ocra.IMPOSTOR_MARGIN for score, gap in real)
    return {
        "genuine_cells": len(real),
        "genuine_min_fit": min(score for score, _ in real),
        "genuine_max_impostor_gap": max(gap for _, gap in real),
        "genuine_cells_flagged": flagged,
        "tampered_cards": edited,
        "tampered_caught": caught,
        "weakest_tampered_card_gap": weakest,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=21, help="scanned e-KTPs, the valid variants in turn (default 21)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per card; the median counts (default 3)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--font-cards", type=int, nargs=2, default=(42, 21), metavar=("GENUINE", "TAMPERED"),
        help="scans for the font check's distribution: genuine (every damage) and tampered (default 42 21)",
    )
    parser.add_argument("--out", type=Path, default=Path("var/bench/reading.json"))
    args = parser.parse_args(argv)
    engine = WarmTesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    print(f"generating {args.cards} scanned e-KTP cards ...", flush=True)
    decoded = cards(args.cards, args.seed)
    grays = [preprocess(image, card_width=1000)[0] for image, _ in decoded]
    print("timing (CPU ms per card, median of runs, one thread) ...", flush=True)
    floor = per_card(grays, engine.read_lines, args.runs)
    labels = per_card(grays, lambda g: extract_fields(DocType.KTP, engine.read_lines(g)), args.runs)
    layout = per_card(grays, lambda g: read_ektp(g, register(g), engine), args.runs)  # type: ignore[arg-type]
    whole = per_card(grays, lambda g: read_card(g, doc_type=DocType.KTP, engine=engine), args.runs)
    prepare = [cpu_ms(lambda image=image: preprocess(image, card_width=1000), args.runs) for image, _ in decoded]
    rows = {
        "floor: warm engine reads the whole card (read_lines)": floor,
        "label-based reader (whole card + extraction)": labels,
        "e-KTP reader: register + fields by layout + NIK": layout,
        "read_card as the workers call it (e-KTP path)": whole,
        "preprocessing (ink, width 1000, deskew), for scale": prepare,
    }
    floor_mean = statistics.mean(floor)
    print(f"\nReading cost on {args.cards} scanned e-KTPs ({', '.join(VARIANTS)}), {os.cpu_count()} vCPU")
    print(f"  {'step':<56} {'mean ms':>8} {'median':>8} {'vs floor':>9}")
    for name, times in rows.items():
        mean = statistics.mean(times)
        print(f"  {name:<56} {mean:8.1f} {statistics.median(times):8.1f} {mean / floor_mean:8.2f}x")
    nik = nik_options(grays, [truth["nik"] for _, truth in decoded], engine, args.runs)
    print(f"\nNIK readers on the same {args.cards} cards (the NIK line found by registration, shared by all)")
    print(f"  {'reader':<56} {'exact':>8} {'ms/card':>8}")
    for row in nik:
        print(f"  {row['reader']:<56} {row['exact']:>3}/{row['cards']:<4} {row['cpu_ms']:8.1f}")
    genuine, tampered = args.font_cards
    print(f"\nFont check on {genuine} genuine and {tampered} tampered scans (Arial NIKs, birth years edited in Arial)",
          flush=True)
    font = font_check(genuine, tampered, args.seed)
    print(f"  genuine cells {font['genuine_cells']}: OCR-A fit >= {font['genuine_min_fit']:.3f}, an Arial-like digit "
          f"at most {font['genuine_max_impostor_gap']:+.3f} better; flagged {font['genuine_cells_flagged']}")
    print(f"  tampered cards caught {font['tampered_caught']}/{font['tampered_cards']}; on each, an Arial-like digit fits "
          f"its most foreign cell at least {font['weakest_tampered_card_gap']:+.3f} better (threshold "
          f"{-IMPOSTOR_MARGIN:+.3f})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    summary = {name: {"mean_ms": statistics.mean(t), "median_ms": statistics.median(t)} for name, t in rows.items()}
    args.out.write_text(json.dumps({"cards": args.cards, "steps": summary, "nik": nik, "font": font}, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
