"""Workers against real parts: redis-server, Tesseract, SQLite, and the API and reviewer over loopback HTTP.

A crashing engine is swapped in for the GPU-failure cases (as OCRmyPDF's fault tests do); it stands for a
CUDA or engine error, which cannot be provoked on demand here.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import redis
import sqlalchemy as sa

from services.adapters.buli2 import Buli2Client
from services.adapters.database import documents
from services.adapters.ocr import EngineSpec
from services.adapters.ocr_pool import PooledEngine
from services.core.lifecycle import Status
from services.core.model import OcrLine
from services.platform.metrics import read_emf
from services.platform.settings import Settings
from services.processes.worker import Worker, in_flight_window, run_window
from services.wiring import Components, build_components
from tests.services.adapters.ocr_helpers import kill_when_busy
from tests.services.worker_helpers import ENGINE, CrashingEngine, sample, submit, worker


def wait_status(components: Components, doc_id: str, wanted: set[Status], timeout: float = 20) -> Status:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = components.store.get(doc_id)
        if record and record.status in wanted:
            return record.status
        time.sleep(0.05)
    raise AssertionError(f"{doc_id} never reached {wanted}; is {components.store.get(doc_id)}")


def test_gpu_worker_decides_a_clean_card_and_publishes_the_result(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    listener = redis.Redis.from_url(components.settings.redis_url).pubsub()
    listener.subscribe("filot:ocr:gpu:results")
    listener.get_message(timeout=2)
    doc = submit(components, sample(sample_dir, "clean").read_bytes())

    assert worker("gpu", parts).process_one() is True
    record = components.store.get(doc)
    assert record is not None
    assert record.status is Status.APPROVED and record.path == "gpu" and record.score >= 85  # type: ignore[operator]
    assert record.fields and len(record.fields["nik"]) == 16
    assert [e["to_status"] for e in components.store.history(doc)] == [
        "uploaded", "queued", "processing", "scored", "approved"
    ]
    message = listener.get_message(timeout=2)
    assert message is not None
    assert json.loads(message["data"])["document_id"] == doc
    assert json.loads(message["data"])["status"] == "approved"
    assert components.queue.lengths() == {"gpu": 0, "cpu": 0, "gpu_processing": 0, "cpu_processing": 0, "buli2": 0}
    assert redis.Redis.from_url(components.settings.redis_url).keys("filot:ocr:gpu:lock:*") == []


def test_middle_band_is_escalated_and_the_human_decision_comes_back(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "invalid_nik").read_bytes())
    worker("gpu", parts).process_one()
    # The local BULI2 decides at once (reviewer_auto_decide_s=0) and, seeing a blocking reason, rejects.
    assert wait_status(components, doc, {Status.REJECTED, Status.APPROVED}) is Status.REJECTED
    steps = [e["to_status"] for e in components.store.history(doc)]
    assert steps[-3:] == ["needs_review", "escalated", "rejected"]
    case = components.reviewer_app.server.config.app.state.cases.get(doc)  # type: ignore[attr-defined]
    assert "*" in case.escalation.fields["nik"]  # masked on the way out
    assert case.escalation.callback_url.endswith("/v1/review/callback")


def test_gpu_failure_falls_back_to_the_cpu_worker(
    parts: tuple[Components, Buli2Client], sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    assert worker("gpu", parts, CrashingEngine()).process_one()
    (fallback,) = [p for p in read_emf(capsys.readouterr().out.splitlines()) if p.name == "filot.gpu.fallbacks"]
    assert (fallback.namespace, fallback.value, fallback.dimensions) == ("FiLot/GpuWorker", 1, {"Reason": "ocr_failed"})
    assert components.queue.redis.hget("filot:ocr:gpu:attempts", doc) is None  # not the user's attempt
    record = components.store.get(doc)
    assert record is not None and record.status is Status.QUEUED and record.error_code == "ocr_failed"
    assert components.queue.lengths()["cpu"] == 1

    assert worker("cpu", parts).process_one()
    record = components.store.get(doc)
    assert record is not None and record.status is Status.APPROVED and record.path == "cpu"
    assert record.error_code is None


def test_cpu_path_retries_up_to_max_attempts_then_fails_with_the_last_error(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts, CrashingEngine()).process_one()
    cpu = worker("cpu", parts, CrashingEngine())
    for attempt in range(1, components.settings.max_attempts):
        cpu.process_one()
        record = components.store.get(doc)
        assert record is not None and record.status is Status.QUEUED, attempt
    cpu.process_one()
    record = components.store.get(doc)
    assert record is not None and record.status is Status.FAILED
    assert record.error_code == "ocr_failed" and "simulated engine crash" in (record.error or "")
    assert components.queue.lengths() == {"gpu": 0, "cpu": 0, "gpu_processing": 0, "cpu_processing": 0, "buli2": 0}


def test_unreadable_stored_file_fails_at_once_without_a_cpu_retry(parts: tuple[Components, Buli2Client]) -> None:
    components, _ = parts
    doc = submit(components, b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    worker("gpu", parts).process_one()
    record = components.store.get(doc)
    assert record is not None and record.status is Status.FAILED and record.error_code == "image_undecodable"
    assert components.queue.lengths()["cpu"] == 0


def test_a_photo_without_a_card_is_rejected(parts: tuple[Components, Buli2Client], sample_dir: Path) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "no_card").read_bytes())
    worker("gpu", parts).process_one()
    record = components.store.get(doc)
    assert record is not None and record.status is Status.REJECTED and record.score < 35  # type: ignore[operator]


def test_the_owner_reads_why_a_photo_failed_and_what_to_do(
    parts: tuple[Components, Buli2Client], capsys: pytest.CaptureFixture[str]
) -> None:
    """Uploaded over HTTP as the app does, read by the GPU-path worker, read back by its owner: the capture code
    and the advice the app shows, beside the reasons; the code counted for the dashboard."""
    import random

    import httpx

    from devtools.samples.generate import generate_sample
    from services.core.scoring import CAPTURE_ADVICE

    components, _ = parts
    photo, _ = generate_sample(design="ektp", variant="no_card", index=1, rng=random.Random(3))
    owner = {"X-Dev-User": "alice"}
    with httpx.Client(base_url=components.settings.api_url, timeout=30, headers=owner) as api:
        sent = api.post("/v1/documents", files={"file": ("card.jpg", photo.info["encoded"], "image/jpeg")}, data={"type": "ktp"})
        assert sent.status_code == 202, sent.text
        assert worker("gpu", parts).process_one()
        body = api.get(f"/v1/documents/{sent.json()['id']}").json()
    assert body["status"] == "rejected"
    assert body["capture"] == [{"code": "card_not_found", "advice": CAPTURE_ADVICE["card_not_found"]}]
    assert "card_not_found" in {reason["code"] for reason in body["reasons"]}
    (counted,) = [p for p in read_emf(capsys.readouterr().out.splitlines()) if p.name == "filot.capture.problems"]
    assert (counted.namespace, counted.value, counted.dimensions) == ("FiLot/GpuWorker", 1, {"Reason": "card_not_found"})


def test_a_decided_document_queued_again_is_not_processed_twice(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    gpu = worker("gpu", parts)
    gpu.process_one()
    events = len(components.store.history(doc))
    components.queue.enqueue_gpu(doc)
    assert gpu.process_one() is True
    assert len(components.store.history(doc)) == events
    assert components.queue.lengths() == {"gpu": 0, "cpu": 0, "gpu_processing": 0, "cpu_processing": 0, "buli2": 0}


def test_buli2_down_leaves_the_document_waiting_for_review(
    settings: Settings, sample_dir: Path
) -> None:
    from devtools.devservers import free_port

    components = build_components(settings)
    dead = Buli2Client(base_url=f"http://127.0.0.1:{free_port()}", api_key="k", timeout_s=1)
    doc = submit(components, sample(sample_dir, "invalid_nik").read_bytes())
    Worker(path="gpu", components=components, engine=ENGINE, buli2=dead).process_one()
    record = components.store.get(doc)
    assert record is not None and record.status is Status.NEEDS_REVIEW


def test_run_drains_the_queue_in_burst_mode_and_stops_on_request(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    docs = [submit(components, sample(sample_dir, v).read_bytes()) for v in ("clean", "no_card")]
    assert worker("gpu", parts).run(stop=threading.Event(), burst=True) == 2
    assert all(components.store.get(d).status in (Status.APPROVED, Status.REJECTED) for d in docs)  # type: ignore[union-attr]
    stop = threading.Event()
    stop.set()
    assert worker("gpu", parts).run(stop=stop) == 0


class SlowEngine:
    """Stands for a long OCR: blocks until told to go on."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.go_on = threading.Event()

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        self.entered.set()
        self.go_on.wait(30)
        return ENGINE.read_lines(gray)

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        return ENGINE.read_line(gray, charset=charset)

    def read_line_batch(self, crops: list[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        self.entered.set()
        self.go_on.wait(30)
        return ENGINE.read_line_batch(crops)


def test_shutdown_past_the_grace_period_releases_the_document_and_fences_the_late_result(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, buli2 = parts
    components.settings = components.settings.model_copy(update={"shutdown_grace_s": 0.2})
    engine = SlowEngine()
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    stop = threading.Event()
    slow = Worker(path="gpu", components=components, engine=engine, buli2=buli2)  # type: ignore[arg-type]
    runner = threading.Thread(target=slow.run, kwargs={"stop": stop})
    runner.start()
    assert engine.entered.wait(20)
    stop.set()  # SIGTERM
    runner.join(10)
    assert not runner.is_alive()
    record = components.store.get(doc)
    assert record is not None and record.status is Status.QUEUED and record.claim_id is None
    assert redis.Redis.from_url(components.settings.redis_url).lrange("filot:ocr:gpu:queue", 0, -1) == [doc.encode()]

    # Another worker takes it over; the first worker's OCR then finishes but may not write.
    fresh = worker("gpu", parts)
    assert fresh.process_one()
    engine.go_on.set()
    # The first worker's OCR thread (named for the document) finishes now: wait for it, not for a guessed second.
    for thread in [t for t in threading.enumerate() if t.name == f"doc-{doc}"]:
        thread.join(30)
        assert not thread.is_alive()
    steps = [e["to_status"] for e in components.store.history(doc)]
    assert steps.count("approved") == 1 and steps.count("scored") == 1


def test_shutdown_within_the_grace_period_finishes_the_document(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, buli2 = parts
    engine = SlowEngine()
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    stop = threading.Event()
    runner = threading.Thread(
        target=Worker(path="gpu", components=components, engine=engine, buli2=buli2).run,  # type: ignore[arg-type]
        kwargs={"stop": stop},
    )
    runner.start()
    assert engine.entered.wait(20)
    stop.set()
    engine.go_on.set()
    runner.join(20)
    assert components.store.get(doc).status is Status.APPROVED  # type: ignore[union-attr]


# --- the engine pool under a worker: crashes, and the in-flight window ---------------------------------------

POOL_SPEC = EngineSpec(kind="tesserocr", lang="ind+eng", psm=6, timeout_s=60)


def kill_engine_when_busy(pool: PooledEngine) -> int:
    """A worker's read also waits for its claim and preprocessing: allow longer than the bare pool test."""
    return kill_when_busy(pool, timeout_s=60)


def test_engine_process_killed_mid_document_the_document_is_read_again_and_decided(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    pool = PooledEngine(POOL_SPEC, processes=2)
    try:
        pool.warm_up()
        doc = submit(components, sample(sample_dir, "clean").read_bytes())
        gpu = worker("gpu", parts, pool)
        runner = threading.Thread(target=gpu.process_one)
        runner.start()
        killed = kill_engine_when_busy(pool)
        runner.join(60)
        record = components.store.get(doc)
        assert record is not None and record.status is Status.APPROVED and record.path == "gpu"
        assert killed not in pool.pids() and pool.replaced == 1
        assert components.queue.lengths()["cpu"] == 0  # read again in place: no detour through the CPU path
    finally:
        pool.close()


def test_engine_crash_past_the_pool_retries_sends_the_document_to_the_cpu_path_not_to_the_void(
    parts: tuple[Components, Buli2Client], sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components, _ = parts
    pool = PooledEngine(POOL_SPEC, processes=1, crash_retries=0)
    try:
        pool.warm_up()
        doc = submit(components, sample(sample_dir, "clean").read_bytes())
        runner = threading.Thread(target=worker("gpu", parts, pool).process_one)
        runner.start()
        kill_engine_when_busy(pool)
        runner.join(60)
        record = components.store.get(doc)
        assert record is not None and record.status is Status.QUEUED and record.error_code == "ocr_engine_crashed"
        (fallback,) = [p for p in read_emf(capsys.readouterr().out.splitlines()) if p.name == "filot.gpu.fallbacks"]
        assert fallback.dimensions == {"Reason": "ocr_engine_crashed"}

        assert worker("cpu", parts, pool).process_one()  # the replacement engine reads it on the CPU path
        record = components.store.get(doc)
        assert record is not None and record.status is Status.APPROVED and record.path == "cpu"
    finally:
        pool.close()


def test_in_flight_window_defaults_to_one_per_engine_process_plus_one(settings: Settings) -> None:
    class Pool:
        processes = 4

    assert in_flight_window(settings, Pool()) == 5
    assert in_flight_window(settings, ENGINE) == 1  # in-process engine: one document at a time
    assert in_flight_window(settings.model_copy(update={"worker_concurrency": 2}), Pool()) == 2


def test_a_long_queue_never_puts_more_than_the_window_in_flight_and_keeps_every_engine_busy(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    """Real engines and cards: the window (engines + 1) is what the worker claims, never more, however many
    documents wait; and the engines all read at once. Sampled every few milliseconds while the queue drains."""
    components, _ = parts
    variants = ("clean", "margin", "rotate", "uneven_light", "edited_nik", "invalid_nik")
    docs = [submit(components, sample(sample_dir, variants[n % len(variants)]).read_bytes()) for n in range(18)]
    pool = PooledEngine(POOL_SPEC, processes=2)
    try:
        pool.warm_up()
        window = in_flight_window(components.settings, pool)
        assert window == 3
        claimed: list[int] = []
        reading: list[int] = []
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                claimed.append(components.queue.lengths()["gpu_processing"])
                reading.append(len(pool.busy_pids()))
                time.sleep(0.003)

        watcher = threading.Thread(target=watch)
        watcher.start()
        handled = run_window([worker("gpu", parts, pool) for _ in range(window)], stop=threading.Event(), burst=True)
        done.set()
        watcher.join()
        assert handled == len(docs)
        assert max(claimed) == window  # the window is used ...
        assert max(reading) == pool.processes  # ... every engine reads at once ...
        statuses = {components.store.get(d).status for d in docs}  # type: ignore[union-attr]
        assert statuses <= {Status.APPROVED, Status.NEEDS_REVIEW, Status.ESCALATED, Status.REJECTED}
    finally:
        pool.close()
    assert components.queue.lengths()["gpu"] == 0


def test_a_claimed_document_never_recorded_queued_is_left_to_the_reconciler(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    """An API that died between its two writes leaves `uploaded` (and, with this order, nothing in Redis); should
    its id reach a worker anyway, the worker does not start it and the reconciler queues it."""
    components, _ = parts
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    with components.store.engine.begin() as conn:
        conn.execute(sa.update(documents).where(documents.c.id == doc).values(status="uploaded"))
    assert worker("gpu", parts).process_one()  # claimed and dropped, not started
    record = components.store.get(doc)
    assert record is not None and record.status is Status.UPLOADED

def test_each_path_says_its_policy_once() -> None:
    """The GPU path polls, counts jobs in flight, hands failures to the CPU path and reports its processing time;
    the CPU fallback blocks on its queue, retries in place and reports as the backend."""
    from services.platform.metrics import BACKEND_NAMESPACE, GPU_WORKER_NAMESPACE
    from services.processes.worker import PATHS

    gpu, cpu = PATHS["gpu"], PATHS["cpu"]
    assert (gpu.namespace, cpu.namespace) == (GPU_WORKER_NAMESPACE, BACKEND_NAMESPACE)
    assert gpu.waits_when_idle and gpu.counts_in_flight and gpu.failure_goes_to_cpu and gpu.reports_processing_time
    assert not (cpu.waits_when_idle or cpu.counts_in_flight or cpu.failure_goes_to_cpu or cpu.reports_processing_time)
