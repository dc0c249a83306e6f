"""The OCR engine seam: a warm tesserocr engine fed raw pixels, pytesseract as the portable fallback.

A pool of engine processes behind the same Protocol is in services.adapters.ocr_pool.
"""

from __future__ import annotations

import os
import shlex
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pytesseract
from PIL import Image

from services.core.model import OcrLine
from services.platform.errors import OcrError


class OcrEngine(Protocol):
    """What the pipeline and the worker ask of an OCR engine: a whole card, one field crop, or a document's field
    crops at once; how many engine processes it runs (0: in the caller's process, which then reads one document at a
    time); loading before the first document; letting go of its processes or library handle."""

    processes: int

    def warm_up(self) -> None:
        """Load everything before the first document (a new worker's first card is not slow)."""
        ...

    def close(self) -> None:
        ...

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        """Text lines in reading order with their mean word confidence."""
        ...

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        """One field crop read as a single line (psm 7), restricted to the characters in charset."""
        ...

    def read_line_batch(self, crops: Sequence[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        """read_line for each (crop, charset), in order: one call, so a pooled engine serves a document's fields
        in one round trip."""
        ...


def read_each_line(engine: OcrEngine, crops: Sequence[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
    """read_line_batch for an engine that reads one crop at a time."""
    return [engine.read_line(image, charset=charset) for image, charset in crops]


class TesseractEngine:
    """pytesseract: one `tesseract` process per call (simple and portable; ~145 ms spawn cost each)."""

    processes = 0  # a process per call, none kept

    def __init__(self, *, lang: str, psm: int, timeout_s: float, dpi: int = 300) -> None:
        # Debian's Tesseract uses OpenMP; on few vCPUs its threads fight each other (1.8-6.6x measured: docs/design.md).
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._config = f"--psm {psm} --dpi {dpi}"
        self._dpi = dpi
        self._lang = lang
        self._timeout_s = timeout_s

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        try:
            data = pytesseract.image_to_data(
                _uncompressed(gray),
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

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        # pytesseract splits the config like a shell: a whitelist with a space or a quote must be quoted.
        config = f"--psm 7 --dpi {self._dpi} -c {shlex.quote('tessedit_char_whitelist=' + charset)}"
        try:
            data = pytesseract.image_to_data(
                _uncompressed(gray),
                lang=self._lang,
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=self._timeout_s,
            )
        except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
            raise OcrError(f"tesseract failed on a field: {exc}", code="ocr_failed") from exc
        return _group_lines(data)

    def read_line_batch(self, crops: Sequence[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        return read_each_line(self, crops)

    def warm_up(self) -> None:
        """Nothing stays loaded between calls."""

    def close(self) -> None:
        """Nothing held."""


def _uncompressed(image: np.ndarray) -> Image.Image:
    """The pixels as pytesseract hands them over (PIL's fromarray), tagged PPM so that its temp file is an
    uncompressed PNM instead of a PNG: no compression on the way out (docs/design.md: up to half the time on a large
    noisy card). The resolution goes separately, as --dpi."""
    pil = Image.fromarray(image)
    pil.format = "PPM"  # pytesseract writes the temp file in the image's own format
    return pil


# Where Debian (and Ubuntu) keep the traineddata files; the tesserocr wheel's own Tesseract reads them.
_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)


def find_tessdata() -> str:
    """The folder holding ind/eng traineddata: TESSDATA_PREFIX when set, else the distribution's folder."""
    candidates = [os.environ["TESSDATA_PREFIX"]] if os.environ.get("TESSDATA_PREFIX") else []
    for folder in [*candidates, *_TESSDATA_CANDIDATES]:
        if (Path(folder) / "eng.traineddata").exists():
            return folder
    raise OcrError(
        "no tessdata folder with eng.traineddata (Debian packages tesseract-ocr-eng, tesseract-ocr-ind)",
        code="ocr_unavailable",
    )


class WarmTesseractEngine:
    """tesserocr: Tesseract loaded once per process and fed raw pixels (no process spawn, no temp file).

    The API object is not thread-safe, so calls are serialised; run one per process for parallelism.
    """

    processes = 0  # in the caller's process

    def __init__(self, *, lang: str, psm: int, timeout_s: float, dpi: int = 300, tessdata: str | None = None) -> None:
        import tesserocr

        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self._api = tesserocr.PyTessBaseAPI(path=tessdata or find_tessdata(), lang=lang, psm=psm)
        self._dpi = dpi
        self._timeout_ms = int(timeout_s * 1000)
        self._lock = threading.Lock()

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        import tesserocr

        with self._lock:
            psm = self._api.GetPageSegMode()
            self._api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
            self._api.SetVariable("tessedit_char_whitelist", charset)
            try:
                return self._read(gray)
            finally:
                self._api.SetVariable("tessedit_char_whitelist", "")
                self._api.SetPageSegMode(psm)

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        with self._lock:
            return self._read(gray)

    def read_line_batch(self, crops: Sequence[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        return read_each_line(self, crops)

    def _read(self, gray: np.ndarray) -> list[OcrLine]:
        if gray.ndim == 3:
            gray = gray[:, :, ::-1]  # BGR -> RGB for Tesseract
        image = np.ascontiguousarray(gray)
        height, width = image.shape[:2]
        channels = 1 if image.ndim == 2 else image.shape[2]
        self._api.SetImageBytes(image.tobytes(), width, height, channels, width * channels)
        # Set explicitly: an image without resolution metadata can make Tesseract return nothing.
        self._api.SetSourceResolution(self._dpi)
        if not self._api.Recognize(timeout=self._timeout_ms):
            raise OcrError("tesseract gave up on this image (timeout or internal error)", code="ocr_failed")
        return _group_lines(_parse_tsv(self._api.GetTSVText(0)))

    def warm_up(self) -> None:
        """Loaded in the constructor already."""

    def close(self) -> None:
        self._api.End()


def _parse_tsv(tsv: str) -> dict[str, list[Any]]:
    names = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height", "conf", "text")
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for row in tsv.splitlines():
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5":  # level 5: words
            continue
        for name, value in zip(names, parts, strict=False):
            columns[name].append(value)
    return columns


EngineKind = Literal["auto", "tesserocr", "pytesseract"]


@dataclass(frozen=True)
class EngineSpec:
    """Everything needed to build an engine, picklable so pool processes can build their own."""

    kind: EngineKind
    lang: str
    psm: int
    timeout_s: float

    def build(self) -> OcrEngine:
        kind = self.kind
        if kind == "auto":
            try:
                import tesserocr  # noqa: F401

                kind = "tesserocr"
            except ImportError:
                kind = "pytesseract"
        if kind == "tesserocr":
            return WarmTesseractEngine(lang=self.lang, psm=self.psm, timeout_s=self.timeout_s)
        return TesseractEngine(lang=self.lang, psm=self.psm, timeout_s=self.timeout_s)


def _group_lines(data: dict[str, list]) -> list[OcrLine]:
    lines: dict[tuple[int, int, int], list[tuple[str, float, tuple[int, int, int, int]]]] = {}
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not str(word).strip():
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        left, top = int(data["left"][i]), int(data["top"][i])
        box = (left, top, left + int(data["width"][i]), top + int(data["height"][i]))
        lines.setdefault(key, []).append((str(word), conf, box))
    return [
        OcrLine(
            " ".join(w for w, _, _ in words),
            sum(c for _, c, _ in words) / len(words),
            (
                min(b[0] for _, _, b in words),
                min(b[1] for _, _, b in words),
                max(b[2] for _, _, b in words),
                max(b[3] for _, _, b in words),
            ),
        )
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
