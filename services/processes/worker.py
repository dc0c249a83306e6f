"""OCR workers: the GPU path and the CPU fallback path, each crash-safe.

A claim is atomic in Redis (services/adapters/queue.py) and fenced in the database by its token, so a
worker that lost its claim cannot write. While a document is processed its lock is renewed; on SIGTERM
the current document gets `shutdown_grace_s` to finish, then goes back to the front of its queue.
A document the GPU path cannot read goes to the CPU path; the CPU path retries up to
FILOT_MAX_ATTEMPTS, then marks it `failed` with its last error (a dead letter: `python -m services
deadletters`). An unusable file (undecodable) fails at once: no path can read it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

import redis

from services.adapters.buli2 import Buli2Client
from services.adapters.database import DocumentRecord
from services.adapters.ocr import OcrEngine
from services.adapters.queue import Claim, OcrQueue
from services.application.effects import escalate, publish_final
from services.application.identity import check_identity
from services.core.lifecycle import Status
from services.core.model import Claims, Decision, DocType
from services.pipeline.preprocess import OPENCV
from services.pipeline.verify import PreprocessFn, Verification, verify_document
from services.platform.errors import DocumentError, error_code
from services.platform.logs import bind
from services.platform.metrics import (
    BACKEND_NAMESPACE,
    CAPTURE_PROBLEMS,
    CARD_FINDER_MISSES,
    DECISION,
    DOCUMENT_DECISION_TIME_MS,
    DOCUMENTS_DECIDED,
    GPU_ACTIVE_JOBS,
    GPU_FALLBACKS,
    GPU_PROCESSING_TIME_MS,
    GPU_WORKER_NAMESPACE,
    OCR_FAILURES,
    REASON,
    emit,
)
from services.platform.settings import Settings
from services.wiring import Components, thresholds

log = logging.getLogger("filot.worker")

WorkerPath = Literal["gpu", "cpu"]
# How long a claimed document still `uploaded` may take to become `queued` (the API's next write).


class _InFlight:
    """Documents in flight across this process's GPU slots (filot.gpu.active_jobs), whichever slot holds them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @contextlib.contextmanager
    def job(self) -> Iterator[None]:
        self._change(1)
        try:
            yield
        finally:
            self._change(-1)

    def _change(self, by: int) -> None:
        with self._lock:  # emitted under the lock, so the last line written is the current count
            self._count += by
            emit(GPU_WORKER_NAMESPACE, GPU_ACTIVE_JOBS, self._count)


_GPU_IN_FLIGHT = _InFlight()


def in_flight_window(settings: Settings, engine: OcrEngine) -> int:
    """Documents one worker process holds at once: FILOT_WORKER_CONCURRENCY when set, else one per engine
    process plus one, so that while every engine reads, the next document is claimed, fetched, decoded and
    preprocessed (an in-process engine reads one document at a time: a window of one)."""
    if settings.worker_concurrency is not None:
        return settings.worker_concurrency
    return engine.processes + 1


def engines_fill_the_cpus(engine: OcrEngine) -> bool:
    """True when the engine pool has a process per vCPU: then the engines keep every core busy, and threads
    inside preprocessing would only take turns with them (OpenCV's and Numba's pools also spin while waiting)."""
    return engine.processes >= len(os.sched_getaffinity(0))


def run_window(workers: Sequence[Worker], *, stop: threading.Event, burst: bool = False) -> int:
    """Run each worker as one slot of the in-flight window, in its own thread; documents handled in all.

    A slot claims its next document only when its last one is finished, so however long the queue, this
    process never holds more than len(workers) documents (no prefetch: memory stays flat, and what is not
    claimed stays in Redis for other workers)."""
    handled = [0] * len(workers)

    def slot(index: int) -> None:
        handled[index] = workers[index].run(stop=stop, burst=burst)

    threads = [threading.Thread(target=slot, args=(n,), name=f"slot-{n}") for n in range(len(workers))]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(0.2)
    return sum(handled)


@dataclass(frozen=True)
class PathPolicy:
    """What differs between the GPU path and the CPU fallback, said once instead of tested in every method.

    The GPU path pops (LPOP) and waits between empty polls, counts its jobs in flight, hands a document whose engine,
    GPU or storage step failed to the CPU path, and reports its processing time; the CPU path blocks on its queue
    (BRPOP), retries in place up to FILOT_MAX_ATTEMPTS, and reports as the backend (it runs in the backend image).
    """

    name: WorkerPath
    namespace: str
    waits_when_idle: bool
    counts_in_flight: bool
    failure_goes_to_cpu: bool
    reports_processing_time: bool

    def claim(self, queue: OcrQueue, *, token: str, lock_ttl_s: int, poll_s: float) -> Claim | None:
        if self.name == "gpu":
            return queue.claim_gpu(token=token, lock_ttl_s=lock_ttl_s)
        return queue.claim_cpu(token=token, lock_ttl_s=lock_ttl_s, timeout_s=max(1.0, poll_s))


PATHS: dict[str, PathPolicy] = {
    "gpu": PathPolicy(
        name="gpu", namespace=GPU_WORKER_NAMESPACE, waits_when_idle=True, counts_in_flight=True,
        failure_goes_to_cpu=True, reports_processing_time=True,
    ),
    "cpu": PathPolicy(
        name="cpu", namespace=BACKEND_NAMESPACE, waits_when_idle=False, counts_in_flight=False,
        failure_goes_to_cpu=False, reports_processing_time=False,
    ),
}


class Worker:
    def __init__(
        self,
        *,
        path: WorkerPath,
        components: Components,
        engine: OcrEngine,
        buli2: Buli2Client,
        prepare: PreprocessFn = OPENCV,
    ) -> None:
        self.path = path
        self.policy = PATHS[path]
        self.prepare = prepare
        self.c = components
        self.settings = components.settings
        self.engine = engine
        self.buli2 = buli2
        self.actor = f"worker:{path}"
        self.namespace = self.policy.namespace
        self.settings.require_keys("nik_hash_key")

    def run(self, *, stop: threading.Event, burst: bool = False) -> int:
        """Process until `stop` is set (or, with burst, until the queue is empty); returns documents handled."""
        handled = 0
        outage_wait = 0.5
        log.info("worker started path=%s", self.path)
        while not stop.is_set():
            try:
                did_work = self.process_one(stop=stop)
            except redis.RedisError as exc:
                # Redis restarting or unreachable: wait and try again; nothing is lost (the database knows).
                log.warning("redis unavailable path=%s error=%s; retrying in %.1fs", self.path, exc, outage_wait)
                stop.wait(outage_wait)
                outage_wait = min(outage_wait * 2, 5.0)
                continue
            outage_wait = 0.5
            handled += did_work
            if not did_work:
                if burst:
                    break
                if self.policy.waits_when_idle:
                    stop.wait(self.settings.worker_poll_interval_s)
        log.info("worker stopped path=%s handled=%d", self.path, handled)
        return handled

    def process_one(self, *, stop: threading.Event | None = None) -> bool:
        claim = self._claim()
        if claim is None:
            return False
        in_flight = _GPU_IN_FLIGHT.job() if self.policy.counts_in_flight else contextlib.nullcontext()
        with bind(doc_id=claim.doc_id), in_flight:  # heartbeat and shutdown lines name the document too
            self._supervise(claim, stop or threading.Event())
        return True

    def _claim(self) -> Claim | None:
        return self.policy.claim(
            self.c.queue,
            token=uuid.uuid4().hex,
            lock_ttl_s=self.settings.lock_ttl_s,
            poll_s=self.settings.worker_poll_interval_s,
        )

    def _supervise(self, claim: Claim, stop: threading.Event) -> None:
        """Work in a thread while this one renews the lock and watches for shutdown."""
        done = threading.Event()
        job = threading.Thread(target=self._handle_guarded, args=(claim, done), name=f"doc-{claim.doc_id}", daemon=True)
        job.start()
        ttl = self.settings.lock_ttl_s
        beat_every = max(0.2, ttl / 3)  # renew well inside the TTL
        next_beat = time.monotonic() + beat_every
        stop_seen: float | None = None
        while not done.wait(0.05):
            now = time.monotonic()
            if now >= next_beat:
                self._heartbeat(claim)
                next_beat = now + beat_every
            if stop.is_set():
                stop_seen = stop_seen if stop_seen is not None else now
                if now - stop_seen >= self.settings.shutdown_grace_s:
                    try:
                        self._release(claim)
                    except redis.RedisError as exc:
                        log.warning("release failed doc=%s error=%s; the sweep will return it", claim.doc_id, exc)
                    return

    def _heartbeat(self, claim: Claim) -> None:
        try:
            renewed = self.c.queue.heartbeat(claim, lock_ttl_s=self.settings.lock_ttl_s)
        except redis.RedisError as exc:
            log.warning("heartbeat failed doc=%s path=%s error=%s", claim.doc_id, self.path, exc)
            return
        if not renewed:
            log.warning("lock lost doc=%s path=%s; a stale result will be fenced off", claim.doc_id, self.path)

    def _handle_guarded(self, claim: Claim, done: threading.Event) -> None:
        try:
            with bind(doc_id=claim.doc_id):  # this thread's lines name the document (its context starts empty)
                self._handle(claim)
        except Exception:
            log.exception("unexpected error doc=%s path=%s; the claim will expire and be retried", claim.doc_id, self.path)
        finally:
            done.set()

    def _handle(self, claim: Claim) -> None:
        record = self.c.store.get(claim.doc_id)
        if record is None:
            log.warning("unknown doc=%s dropped from the %s queue", claim.doc_id, self.path)
            self.c.queue.complete(claim)
            return
        with bind(correlation_id=record.correlation_id):  # the upload's id, through to the escalation
            self._process(claim, record, started_at=time.monotonic())

    def _start(self, claim: Claim, record: DocumentRecord) -> bool:
        """Move the document from `queued` to processing under this claim; False when this queue entry is not to be
        worked on (decided already, taken through another claim, or never recorded `queued`: the API writes
        `queued` before it pushes the id, so a claimed document is always found `queued`)."""
        return self.c.store.transition(
            claim.doc_id,
            Status.PROCESSING,
            actor=self.actor,
            correlation_id=record.correlation_id,
            detail=f"attempt {claim.attempts} claim {claim.token}",
            claim_id=claim.token,
            path=self.path,
        )

    def _process(self, claim: Claim, record: DocumentRecord, *, started_at: float) -> None:
        if not self._start(claim, record):
            # Already decided, or being handled through another claim: this queue entry was a duplicate.
            current = self.c.store.get(claim.doc_id)
            status = current.status.value if current else "gone"
            log.warning("skipping doc=%s status=%s path=%s", claim.doc_id, status, self.path)
            self.c.queue.complete(claim)
            return
        try:
            verification = self._verify(record)
        except DocumentError as exc:
            emit(self.namespace, OCR_FAILURES, 1)
            self._fail(claim, record, exc)
        except Exception as exc:  # noqa: BLE001 - engine, GPU or storage trouble: another path or attempt may work
            emit(self.namespace, OCR_FAILURES, 1)
            if self.policy.failure_goes_to_cpu:
                self._requeue(claim, record, exc, to_cpu=True)
            elif claim.attempts < self.settings.max_attempts:
                self._requeue(claim, record, exc, to_cpu=False)
            else:
                self._fail(claim, record, exc)
        else:
            self._record(claim, record, verification, started_at=started_at)

    def _verify(self, record: DocumentRecord) -> Verification:
        data = self.c.objects.get(record.object_key)
        return verify_document(
            data,
            doc_type=DocType(record.doc_type),
            engine=self.engine,
            thresholds=thresholds(self.settings),
            card_width=self.settings.card_width_px,
            max_pixels=self.settings.max_image_pixels,
            claims=Claims(name=record.claimed_name, nik=record.claimed_nik),
            prepare=self.prepare,
        )

    def _record(self, claim: Claim, record: DocumentRecord, verification: Verification, *, started_at: float) -> None:
        store, cid = self.c.store, record.correlation_id
        identity = check_identity(
            self.c,
            record,
            doc_type=verification.doc_type,
            fields=verification.fields,
            decision=verification.decision,
            reasons=verification.reasons,
        )
        verification = replace(verification, decision=identity.decision, reasons=identity.reasons)
        scored = store.transition(
            claim.doc_id,
            Status.SCORED,
            actor=self.actor,
            correlation_id=cid,
            detail=f"score {verification.score}",
            fence=claim.token,
            score=verification.score,
            reasons=[reason.to_json() for reason in verification.reasons],
            fields=verification.fields,
            field_confidence={name: round(value, 1) for name, value in verification.field_confidence.items()},
            nik_hash=identity.nik_hash,
            error_code=None,
            error=None,
        )
        if not scored:
            current = store.get(claim.doc_id)
            if current is not None and current.erased_at is not None:
                # Its owner erased it while it was read: the result is dropped and the queue forgets it.
                log.info("doc=%s erased while processing path=%s; result dropped", claim.doc_id, self.path)
                self.c.queue.complete(claim)
                return
            log.warning("claim lost before scoring doc=%s path=%s; result dropped", claim.doc_id, self.path)
            return
        decision = verification.decision
        decided_now = store.transition(
            claim.doc_id, Status(decision.value), actor=self.actor, correlation_id=cid, fence=claim.token,
            decision=decision.value,
        )
        duration_ms = (time.monotonic() - started_at) * 1000  # claim to decision
        if decided_now:
            self._emit_decision(record, decision, duration_ms=duration_ms)
            self._emit_capture(verification)
        log.info(
            "decided doc=%s path=%s score=%.1f decision=%s ocr_ms=%.0f",
            claim.doc_id, self.path, verification.score, decision.value, verification.timings_ms.get("ocr", 0.0),
            extra={
                "path": self.path,
                "score": verification.score,
                "decision": decision.value,
                "attempt": claim.attempts,
                "duration_ms": duration_ms,
            },
        )
        self.c.queue.complete(claim)
        decided = store.get(claim.doc_id)
        if decided is None:
            return
        if decision is Decision.NEEDS_REVIEW:
            escalate(self.c, self.buli2, decided, actor="buli2")
        else:
            publish_final(self.c, decided)

    def _emit_decision(self, record: DocumentRecord, decision: Decision, *, duration_ms: float) -> None:
        emit(self.namespace, DOCUMENTS_DECIDED, 1, dimensions={DECISION: decision.value})
        since_upload = datetime.now(UTC) - record.created_at
        emit(self.namespace, DOCUMENT_DECISION_TIME_MS, since_upload.total_seconds() * 1000)
        if self.policy.reports_processing_time:
            emit(GPU_WORKER_NAMESPACE, GPU_PROCESSING_TIME_MS, duration_ms)

    def _emit_capture(self, verification: Verification) -> None:
        for code in verification.capture:
            emit(self.namespace, CAPTURE_PROBLEMS, 1, dimensions={REASON: code})
        if verification.card_finder == "missed":
            emit(self.namespace, CARD_FINDER_MISSES, 1)

    def _requeue(self, claim: Claim, record: DocumentRecord, exc: Exception, *, to_cpu: bool) -> None:
        code = error_code(exc)
        where = "cpu queue" if to_cpu else f"cpu queue for attempt {claim.attempts + 1}"
        log.warning("%s path failed doc=%s code=%s error=%s; to the %s", self.path, claim.doc_id, code, exc, where)
        moved = self.c.store.transition(
            claim.doc_id,
            Status.QUEUED,
            actor=self.actor,
            correlation_id=record.correlation_id,
            detail=f"{self.path} path failed ({code}); queued for cpu",
            fence=claim.token,
            claim_id=None,
            error_code=code,
            error=str(exc)[:1000],
        )
        if moved:
            (self.c.queue.fallback_to_cpu if to_cpu else self.c.queue.retry)(claim)
        if to_cpu:
            emit(GPU_WORKER_NAMESPACE, GPU_FALLBACKS, 1, dimensions={REASON: code})

    def _release(self, claim: Claim) -> None:
        """Shutdown deadline passed: hand the document back, as if this worker had never taken it."""
        record = self.c.store.get(claim.doc_id)
        self.c.store.transition(
            claim.doc_id,
            Status.QUEUED,
            actor=self.actor,
            correlation_id=record.correlation_id if record else None,
            detail="released at shutdown",
            fence=claim.token,
            claim_id=None,
        )
        released = self.c.queue.release(claim)
        log.warning("released doc=%s path=%s at shutdown (redis=%s)", claim.doc_id, self.path, released)

    def _fail(self, claim: Claim, record: DocumentRecord, exc: Exception) -> None:
        code = error_code(exc)
        log.error("failed doc=%s path=%s code=%s error=%s", claim.doc_id, self.path, code, exc)
        failed = self.c.store.transition(
            claim.doc_id,
            Status.FAILED,
            actor=self.actor,
            correlation_id=record.correlation_id,
            detail=code,
            fence=claim.token,
            error_code=code,
            error=str(exc)[:1000],
        )
        self.c.queue.complete(claim)
        decided = self.c.store.get(claim.doc_id)
        if failed and decided is not None:
            publish_final(self.c, decided)
