"""Helpers shared by several test modules (never imported from a test_*.py)."""

from __future__ import annotations

import hashlib
import threading
import uuid
from pathlib import Path

import numpy as np

from devtools.samples.generate import load_truths
from services.adapters.buli2 import Buli2Client
from services.adapters.ocr import TesseractEngine
from services.core.lifecycle import Status
from services.core.model import OcrLine
from services.platform.errors import OcrError
from services.processes.worker import Worker
from services.wiring import Components

ENGINE = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)


class CrashingEngine:
    """An engine that fails every read, whichever reader asks (the whole card or a batch of field crops)."""

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        raise OcrError("simulated engine crash", code="ocr_failed")

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        raise OcrError("simulated engine crash", code="ocr_failed")

    def read_line_batch(self, crops: list[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        raise OcrError("simulated engine crash", code="ocr_failed")


def sample(sample_dir: Path, variant: str, doc_type: str = "ktp") -> Path:
    return next(p for p, t in load_truths(sample_dir) if t.variant == variant and t.doc_type == doc_type)


def submit(components: Components, data: bytes, doc_type: str = "ktp", *, owner: str = "alice") -> str:
    doc_id = uuid.uuid4().hex
    key = f"documents/{doc_id}/original.png"
    components.objects.put(key, data)
    components.store.create(
        doc_id=doc_id,
        owner=owner,
        doc_type=doc_type,
        object_key=key,
        content_type="image/png",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        correlation_id="c",
    )
    components.store.transition(doc_id, Status.QUEUED, actor="test")
    components.queue.enqueue_gpu(doc_id)
    return doc_id


def worker(path: str, parts: tuple[Components, Buli2Client], engine: object = ENGINE) -> Worker:
    return Worker(path=path, components=parts[0], engine=engine, buli2=parts[1])  # type: ignore[arg-type]


class GatedEngine:
    """Tesseract, but every read first waits for `gate`: a document stays in the worker until the test opens it."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.entered = threading.Event()

    def _wait(self) -> None:
        self.entered.set()
        self.gate.wait(30)

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        self._wait()
        return ENGINE.read_lines(gray)

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        self._wait()
        return ENGINE.read_line(gray, charset=charset)

    def read_line_batch(self, crops: list[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        self._wait()
        return ENGINE.read_line_batch(crops)
