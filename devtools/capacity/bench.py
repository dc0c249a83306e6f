"""The pipeline bench's results (tests/bench/bench_pipeline.py writes them), read and checked for the model."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Every key the bench writes. All must be present; the model computes with the first four, which must be set,
# and shows the others where measured (a provisional file built from older figures holds null for the rest).
REQUIRED_KEYS = ("machine", "cpus", "engine_processes", "pipeline_docs_per_s")
MEASURED_KEYS = (
    "cards",
    "floor_docs_per_s",
    "naive_docs_per_s",
    "pipeline_over_floor",
    "pipeline_over_naive",
    "p50_upload_to_decision_s",
    "p95_upload_to_decision_s",
    "peak_rss_mb_per_worker",
    "cold_start_s",
    "ocr_ms_per_doc_p50",
    "sweep",
)
# Optional: the run with the worker and its engines alone on their vCPUs and everything else on another, as
# deployed (`split` in the bench's JSON); when present the model sizes from it.
SPLIT_KEY = "split"
BENCH_KEYS = REQUIRED_KEYS + MEASURED_KEYS
# Added to the committed copy (docs/capacity-bench.json): when the bench ran, and why a file is not a real run.
MEASURED_ON_KEY = "measured_on"
PROVISIONAL_KEY = "provisional"


class BenchError(ValueError):
    """The bench results cannot feed the model: a key is missing or a value is out of range."""


@dataclass(frozen=True, kw_only=True)
class BenchResult:
    """What the model uses from one bench run on one machine."""

    machine: str
    cpus: int
    engine_processes: int
    pipeline_docs_per_s: float
    cards: int | None = None
    floor_docs_per_s: float | None = None
    ocr_ms_per_doc_p50: float | None = None
    cold_start_s: float | None = None
    peak_rss_mb_per_worker: float | None = None
    p95_upload_to_decision_s: float | None = None
    measured_on: str | None = None
    provisional: str | None = None
    split_docs_per_s: float | None = None
    split_engine_processes: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.machine, str) or not self.machine.strip():
            raise BenchError(f"machine is {self.machine!r}: it must name the machine the bench ran on")
        for key in ("cpus", "engine_processes"):
            value = getattr(self, key)
            if not _is_whole(value) or value < 1:
                raise BenchError(f"{key} is {value!r}: it must be a whole number of at least 1")
        if not _is_number(self.pipeline_docs_per_s) or self.pipeline_docs_per_s <= 0:
            raise BenchError(
                f"pipeline_docs_per_s is {self.pipeline_docs_per_s!r}: it must be a number above 0 "
                "(a bench that decided nothing cannot size anything)"
            )
        if self.cards is not None and (not _is_whole(self.cards) or self.cards < 1):
            raise BenchError(f"cards is {self.cards!r}: it must be a whole number of at least 1, or null")
        if (self.split_docs_per_s is None) != (self.split_engine_processes is None):
            raise BenchError("split: pipeline_docs_per_s and engine_processes are measured together or not at all")
        if self.split_docs_per_s is not None and (not _is_number(self.split_docs_per_s) or self.split_docs_per_s <= 0):
            raise BenchError(f"split.pipeline_docs_per_s is {self.split_docs_per_s!r}: it must be a number above 0")
        if self.split_engine_processes is not None and (
            not _is_whole(self.split_engine_processes) or self.split_engine_processes < 1
        ):
            raise BenchError(
                f"split.engine_processes is {self.split_engine_processes!r}: it must be a whole number of at least 1"
            )
        for key in ("floor_docs_per_s", "ocr_ms_per_doc_p50", "cold_start_s", "peak_rss_mb_per_worker"):
            value = getattr(self, key)
            if value is not None and (not _is_number(value) or value < 0):
                raise BenchError(f"{key} is {value!r}: it must be a number of at least 0, or null when not measured")

    @property
    def deployed_shape(self) -> bool:
        """The rate comes from the run shaped as deployed (the worker alone on its vCPUs)."""
        return self.split_docs_per_s is not None

    @property
    def colocated_per_process_docs_per_s(self) -> float:
        """One engine process's share with the API, Redis and the uploaders on the same vCPUs."""
        return self.pipeline_docs_per_s / self.engine_processes

    @property
    def per_process_docs_per_s(self) -> float:
        """One engine process's share: Tesseract is CPU-bound, one process per vCPU, OMP_THREAD_LIMIT=1. From the
        deployed shape where measured (a worker task runs nothing else), else from the co-located run."""
        if self.split_docs_per_s is not None and self.split_engine_processes is not None:
            return self.split_docs_per_s / self.split_engine_processes
        return self.colocated_per_process_docs_per_s


def parse_bench(data: object, *, where: str) -> BenchResult:
    """``data`` (the bench's JSON) as a BenchResult; BenchError names ``where`` and every missing key."""
    if not isinstance(data, Mapping):
        raise BenchError(f"{where}: the bench results must be a JSON object, not {type(data).__name__}")
    missing = [key for key in BENCH_KEYS if key not in data]
    if missing:
        raise BenchError(
            f"{where}: missing key(s) {', '.join(missing)}; the bench writes {', '.join(BENCH_KEYS)} "
            "(rerun `python -m tests.bench.bench_pipeline`)"
        )
    unset = [key for key in REQUIRED_KEYS if data[key] is None]
    if unset:
        raise BenchError(f"{where}: {', '.join(unset)} must be measured, not null")
    try:
        return BenchResult(
            machine=data["machine"],
            cpus=data["cpus"],
            engine_processes=data["engine_processes"],
            pipeline_docs_per_s=data["pipeline_docs_per_s"],
            cards=data["cards"],
            floor_docs_per_s=data["floor_docs_per_s"],
            ocr_ms_per_doc_p50=data["ocr_ms_per_doc_p50"],
            cold_start_s=data["cold_start_s"],
            peak_rss_mb_per_worker=data["peak_rss_mb_per_worker"],
            p95_upload_to_decision_s=data["p95_upload_to_decision_s"],
            measured_on=_optional_text(data, MEASURED_ON_KEY, where),
            provisional=_optional_text(data, PROVISIONAL_KEY, where),
            **_split(data.get(SPLIT_KEY), where),
        )
    except BenchError as exc:
        raise BenchError(f"{where}: {exc}") from None


def _split(split: object, where: str) -> dict[str, Any]:
    if split is None:
        return {}
    if not isinstance(split, Mapping) or "pipeline_docs_per_s" not in split or "engine_processes" not in split:
        raise BenchError(f"{where}: split must be an object with pipeline_docs_per_s and engine_processes, or null")
    return {"split_docs_per_s": split["pipeline_docs_per_s"], "split_engine_processes": split["engine_processes"]}


def _optional_text(data: Mapping[str, object], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise BenchError(f"{where}: {key} is {value!r}: it must be a string")
    return value


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
