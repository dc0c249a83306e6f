"""The OCR engine seam: Tesseract through pytesseract today; a warm engine can sit behind the same Protocol."""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np
import pytesseract

from services.core.model import OcrLine
from services.errors import OcrError


class OcrEngine(Protocol):
    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        """Text lines in reading order with their mean word confidence."""
        ...


class TesseractEngine:
    """pytesseract: one `tesseract` process per call (simple and portable; ~145 ms spawn cost each)."""

    def __init__(self, *, lang: str, psm: int, timeout_s: float, dpi: int = 300) -> None:
        # Debian's Tesseract uses OpenMP; on few vCPUs its threads fight each other (DESIGN.md measured 1.8-6.6x).
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._config = f"--psm {psm} --dpi {dpi}"
        self._lang = lang
        self._timeout_s = timeout_s

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        try:
            data = pytesseract.image_to_data(
                gray,
                lang=self._lang,
                config=self._config,
                output_type=pytesseract.Output.DICT,
                timeout=self._timeout_s,
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrError("tesseract is not installed (Debian package tesseract-ocr)", code="ocr_unavailable") from exc
        except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
            raise OcrError(f"tesseract failed: {exc}", code="ocr_failed") from exc
        return _group_lines(data)


def _group_lines(data: dict[str, list]) -> list[OcrLine]:
    lines: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not str(word).strip():
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        lines.setdefault(key, []).append((str(word), conf))
    return [
        OcrLine(" ".join(w for w, _ in words), sum(c for _, c in words) / len(words))
        for _, words in sorted(lines.items())
    ]


def check_tesseract(lang: str) -> None:
    """Fail early, with the package to install, when Tesseract or a language model is missing."""
    try:
        available = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError("tesseract is not installed (Debian package tesseract-ocr)", code="ocr_unavailable") from exc
    missing = [code for code in lang.split("+") if code not in available]
    if missing:
        raise OcrError(
            f"tesseract language data missing: {', '.join(missing)} (Debian packages tesseract-ocr-<lang>)",
            code="ocr_unavailable",
        )
