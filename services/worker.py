"""OCR workers: the GPU path (atomic claim under the per-document lock) and the CPU fallback path.

A document the GPU path cannot finish goes to the CPU queue; one the CPU path cannot finish is
`failed` with its error. An unusable file (undecodable) fails at once: no path can read it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Literal

from services.adapters.buli2 import Buli2Client, Buli2Error
from services.adapters.ocr import OcrEngine
from services.adapters.queue import GpuClaim
from services.core.lifecycle import Status
from services.core.masking import mask_fields
from services.core.model import Claims, Decision, DocType
from services.errors import DocumentError, FilotError
from services.pipeline.verify import Verification, verify_document
from services.wiring import Components, thresholds

log = logging.getLogger("filot.worker")

WorkerPath = Literal["gpu", "cpu"]


class Worker:
    def __init__(
        self,
        *,
        path: WorkerPath,
        components: Components,
        engine: OcrEngine,
        buli2: Buli2Client,
    ) -> None:
        self.path = path
        self.c = components
        self.settings = components.settings
        self.engine = engine
        self.buli2 = buli2
        self.actor = f"worker:{path}"

    def run(self, *, stop: threading.Event, burst: bool = False) -> int:
        """Process until `stop` is set (or, with burst, until the queue is empty); returns documents handled."""
        handled = 0
        log.info("worker started path=%s", self.path)
        while not stop.is_set():
            did_work = self.process_one()
            handled += did_work
            if not did_work:
                if burst:
                    break
                if self.path == "gpu":
                    stop.wait(self.settings.worker_poll_interval_s)
        log.info("worker stopped path=%s handled=%d", self.path, handled)
        return handled

    def process_one(self) -> bool:
        return self._process_gpu() if self.path == "gpu" else self._process_cpu()

    def _process_gpu(self) -> bool:
        claim = self.c.queue.claim_gpu(correlation_id=uuid.uuid4().hex, lock_ttl_s=self.settings.lock_ttl_s)
        if claim is None:
            return False
        if not self._start(claim.doc_id, claim.correlation_id):
            self.c.queue.complete_gpu(claim)
            return True
        try:
            verification = self._verify(claim.doc_id)
        except DocumentError as exc:
            self._fail(claim.doc_id, exc, claim.correlation_id)
            self.c.queue.complete_gpu(claim)
        except Exception as exc:  # noqa: BLE001 - any GPU-path failure is the CPU path's to retry
            self._fall_back(claim, exc)
        else:
            self._record(claim.doc_id, verification, claim.correlation_id)
            self.c.queue.complete_gpu(claim)
        return True

    def _process_cpu(self) -> bool:
        doc_id = self.c.queue.claim_cpu(timeout_s=max(1.0, self.settings.worker_poll_interval_s))
        if doc_id is None:
            return False
        correlation_id = uuid.uuid4().hex
        if not self._start(doc_id, correlation_id):
            return True
        try:
            verification = self._verify(doc_id)
        except Exception as exc:  # noqa: BLE001 - the last path: record the error, keep the worker alive
            self._fail(doc_id, exc, correlation_id)
        else:
            self._record(doc_id, verification, correlation_id)
        return True

    def _start(self, doc_id: str, correlation_id: str) -> bool:
        """Conditional queued -> processing; False means someone else has it or it is already decided."""
        started = self.c.store.transition(
            doc_id, Status.PROCESSING, actor=self.actor, correlation_id=correlation_id, path=self.path
        )
        if not started:
            record = self.c.store.get(doc_id)
            log.warning(
                "skipping doc=%s status=%s path=%s", doc_id, record.status if record else "unknown", self.path
            )
        return started

    def _verify(self, doc_id: str) -> Verification:
        record = self.c.store.get(doc_id)
        if record is None:
            raise DocumentError(f"document {doc_id} vanished from the database", code="document_not_found")
        data = self.c.objects.get(record.object_key)
        return verify_document(
            data,
            doc_type=DocType(record.doc_type),
            engine=self.engine,
            thresholds=thresholds(self.settings),
            card_width=self.settings.card_width_px,
            max_pixels=self.settings.max_image_pixels,
            claims=Claims(name=record.claimed_name, nik=record.claimed_nik),
        )

    def _record(self, doc_id: str, verification: Verification, correlation_id: str) -> None:
        store = self.c.store
        store.transition(
            doc_id,
            Status.SCORED,
            actor=self.actor,
            correlation_id=correlation_id,
            detail=f"score {verification.score}",
            score=verification.score,
            reasons=[reason.to_json() for reason in verification.reasons],
            fields=verification.fields,
            error_code=None,
            error=None,
        )
        decision = verification.decision
        store.transition(
            doc_id, Status(decision.value), actor=self.actor, correlation_id=correlation_id, decision=decision.value
        )
        log.info(
            "decided doc=%s path=%s score=%.1f decision=%s ocr_ms=%.0f",
            doc_id,
            self.path,
            verification.score,
            decision.value,
            verification.timings_ms.get("ocr", 0.0),
        )
        self._publish(doc_id, decision.value, verification.score, correlation_id)
        if decision is Decision.NEEDS_REVIEW:
            self._escalate(doc_id, verification, correlation_id)

    def _escalate(self, doc_id: str, verification: Verification, correlation_id: str) -> None:
        payload = {
            "document_id": doc_id,
            "doc_type": verification.doc_type.value,
            "score": verification.score,
            "reasons": [reason.to_json() for reason in verification.reasons],
            "fields": mask_fields(verification.fields),
            "callback_url": f"{self.settings.api_url.rstrip('/')}/v1/review/callback",
            "correlation_id": correlation_id,
        }
        try:
            self.buli2.escalate(payload)
        except Buli2Error as exc:
            # Stays needs_review; the BULI2 retry queue (a later issue) redelivers it.
            log.error("escalation failed doc=%s error=%s", doc_id, exc)
            return
        self.c.store.transition(doc_id, Status.ESCALATED, actor="buli2", correlation_id=correlation_id)

    def _fall_back(self, claim: GpuClaim, exc: Exception) -> None:
        code = exc.code if isinstance(exc, FilotError) else type(exc).__name__
        log.warning("gpu path failed doc=%s code=%s error=%s; handing to cpu", claim.doc_id, code, exc)
        self.c.store.transition(
            claim.doc_id,
            Status.QUEUED,
            actor=self.actor,
            correlation_id=claim.correlation_id,
            detail=f"gpu path failed ({code}); queued for cpu",
            error_code=code,
            error=str(exc)[:1000],
        )
        self.c.queue.fallback_to_cpu(claim)

    def _fail(self, doc_id: str, exc: Exception, correlation_id: str) -> None:
        code = exc.code if isinstance(exc, FilotError) else type(exc).__name__
        log.error("failed doc=%s path=%s code=%s error=%s", doc_id, self.path, code, exc)
        self.c.store.transition(
            doc_id,
            Status.FAILED,
            actor=self.actor,
            correlation_id=correlation_id,
            detail=code,
            error_code=code,
            error=str(exc)[:1000],
        )
        self._publish(doc_id, Status.FAILED.value, None, correlation_id)

    def _publish(self, doc_id: str, status: str, score: float | None, correlation_id: str) -> None:
        self.c.queue.publish_result(
            {"document_id": doc_id, "status": status, "score": score, "path": self.path, "correlationId": correlation_id}
        )
