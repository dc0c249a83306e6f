"""The reconciler: the database is the durable truth, Redis only a fast index of it.

One pass returns stalled jobs to their queues (Redis sweep), then walks the database for documents stuck
in a non-terminal state and puts each back on the path it fell off: enqueue what is not queued, decide
what was scored, escalate what waits for review, and re-publish a final result whose publish was lost.
Every step is idempotent, so passes may overlap and repeat; a flushed or replaced Redis loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from services.adapters.buli2 import Buli2Client, Buli2Error
from services.application.effects import escalate, escalation_payload, publish_final
from services.core.lifecycle import Status
from services.core.model import Decision, Reason
from services.core.scoring import decide
from services.platform.logs import bind
from services.platform.metrics import KIND, RECONCILER_RECOVERIES, SCHEDULER_NAMESPACE, emit
from services.wiring import Components

log = logging.getLogger("filot.reconciler")

# A document that fails to enqueue at upload is caught quickly; other states wait for stale_after_s.



@dataclass
class ReconcileReport:
    gpu_requeued: int = 0
    gpu_to_cpu: int = 0
    gpu_stranded_to_cpu: int = 0
    cpu_requeued: int = 0
    dead_lettered: int = 0
    enqueued: int = 0
    reclaimed: int = 0
    redecided: int = 0
    escalated: int = 0
    republished: int = 0
    review_overdue: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @property
    def changed(self) -> int:
        return sum(v for v in asdict(self).values() if isinstance(v, int))

    def counts(self) -> dict[str, int]:
        """The non-zero counters, each a Kind of filot.reconciler.recoveries (services.platform.metrics.RECOVERY_KINDS)."""
        return {k: v for k, v in asdict(self).items() if isinstance(v, int) and v}


class Reconciler:
    def __init__(self, components: Components, buli2: Buli2Client) -> None:
        self.c = components
        self.settings = components.settings
        self.buli2 = buli2

    def run_once(self) -> ReconcileReport:
        report = ReconcileReport()
        self._sweep(report)
        self._drain_stranded(report)
        self._enqueue_lost(report)
        self._reclaim_processing(report)
        self._redecide_scored(report)
        self._escalate_waiting(report)
        self._drain_escalations(report)
        self._chase_overdue_reviews(report)
        self._republish(report)
        if report.changed:
            log.info("reconciled %s", {k: v for k, v in report.to_json().items() if v})
        for kind, count in report.counts().items():  # a quiet pass emits nothing (alarms treat missing as 0)
            emit(SCHEDULER_NAMESPACE, RECONCILER_RECOVERIES, count, dimensions={KIND: kind})
        return report

    def _drain_stranded(self, report: ReconcileReport) -> None:
        """GPU jobs no GPU worker took within gpu_queue_max_wait_s (all of them when none is alive) go to the CPU
        queue: a fallback, logged with its cause and counted (Kind gpu_stranded_to_cpu)."""
        alive = self.c.queue.gpu_worker_alive()
        moved = self.c.queue.drain_stranded(
            max_wait_s=self.settings.gpu_queue_max_wait_s, no_worker_wait_s=self.settings.gpu_cold_start_wait_s
        )
        report.gpu_stranded_to_cpu += len(moved)
        if moved:
            cause = (
                f"waited over {self.settings.gpu_queue_max_wait_s:g}s while GPU workers poll (the fleet is saturated)"
                if alive
                else f"no GPU worker has polled for 30s and they waited over {self.settings.gpu_cold_start_wait_s:g}s"
            )
            log.warning("moved %d documents from the GPU queue to the CPU queue: %s", len(moved), cause,
                        extra={"documents": moved[:20], "gpu_worker_alive": alive})

    def _sweep(self, report: ReconcileReport) -> None:
        swept = self.c.queue.sweep(lock_ttl_s=self.settings.lock_ttl_s, max_attempts=self.settings.max_attempts)
        report.gpu_requeued += len(swept.gpu_requeued)
        report.gpu_to_cpu += len(swept.gpu_to_cpu)
        report.cpu_requeued += len(swept.cpu_requeued)
        for doc_id in swept.gpu_to_cpu:
            log.warning("doc=%s out of GPU attempts; handed to the cpu path", doc_id, extra={"doc_id": doc_id})
        for doc_id in swept.dead:
            record = self.c.store.get(doc_id)
            moved = self.c.store.transition(
                doc_id,
                Status.FAILED,
                actor="reconciler",
                correlation_id=record.correlation_id if record else None,
                detail="stalled on every attempt",
                error_code="attempts_exhausted",
                error=f"worker died or stalled {self.settings.max_attempts} times"
                + (f"; last error: {record.error}" if record and record.error else ""),
            )
            report.dead_lettered += moved
            if moved:
                log.error(
                    "dead-lettered doc=%s: stalled on every attempt",
                    doc_id,
                    extra={"doc_id": doc_id, "correlation_id": record.correlation_id if record else None},
                )
            failed = self.c.store.get(doc_id)
            if moved and failed is not None:
                publish_final(self.c, failed)

    def _enqueue_lost(self, report: ReconcileReport) -> None:
        """Uploaded but never recorded queued (the API died between its writes), or queued in the database but in no
        Redis list (Redis was down at the upload, or flushed): pushed again after FILOT_RECOVERY_GRACE_S. enqueue_gpu does
        nothing for a document already queued or in flight anywhere, so a document waiting its turn is untouched."""
        for record in self.c.store.stale([Status.UPLOADED], older_than_s=self.settings.recovery_grace_s):
            if self.c.queue.enqueue_gpu(record.id):
                report.enqueued += 1
            self.c.store.transition(record.id, Status.QUEUED, actor="reconciler", correlation_id=record.correlation_id)
        for record in self.c.store.stale([Status.QUEUED], older_than_s=self.settings.recovery_grace_s):
            if not self.c.queue.is_locked(record.id) and self.c.queue.enqueue_gpu(record.id):
                report.enqueued += 1
                # Touch the row so the next pass waits a full stale period before looking again.
                self.c.store.touch(record.id)

    def _reclaim_processing(self, report: ReconcileReport) -> None:
        """Processing in the database with no live claim anywhere: its worker and its Redis entry are gone."""
        for record in self.c.store.stale([Status.PROCESSING], older_than_s=self.settings.stale_after_s):
            if self.c.queue.is_locked(record.id):
                continue
            moved = self.c.store.transition(
                record.id,
                Status.QUEUED,
                actor="reconciler",
                correlation_id=record.correlation_id,
                detail="no live claim; re-queued",
                fence=record.claim_id,
                claim_id=None,
            )
            if moved:
                report.reclaimed += 1
                self.c.queue.enqueue_gpu(record.id)
                log.warning(
                    "re-queued doc=%s: processing with no live claim",
                    record.id,
                    extra={"doc_id": record.id, "correlation_id": record.correlation_id},
                )

    def _redecide_scored(self, report: ReconcileReport) -> None:
        """Scored but not decided (the worker died between the two writes): decide from the stored score."""
        for record in self.c.store.stale([Status.SCORED], older_than_s=self.settings.stale_after_s):
            reasons = tuple(Reason(**reason) for reason in record.reasons or [])
            verdict = decide(
                record.score or 0.0,
                reasons,
                approve_at=self.settings.approve_at,
                reject_below=self.settings.reject_below,
            )
            moved = self.c.store.transition(
                record.id,
                Status(verdict.decision.value),
                actor="reconciler",
                correlation_id=record.correlation_id,
                decision=verdict.decision.value,
            )
            report.redecided += moved
            decided = self.c.store.get(record.id)
            if moved and decided is not None and verdict.decision is not Decision.NEEDS_REVIEW:
                publish_final(self.c, decided)

    def _escalate_waiting(self, report: ReconcileReport) -> None:
        """needs_review whose escalation never reached BULI2 (down, or the worker died): deliver it now."""
        for record in self.c.store.stale([Status.NEEDS_REVIEW], older_than_s=self.settings.stale_after_s):
            report.escalated += escalate(self.c, self.buli2, record, actor="reconciler")

    def _drain_escalations(self, report: ReconcileReport, *, limit: int = 200) -> None:
        """The BULI2 retry queue's dispatcher: deliver what waits; stop at the first refusal (BULI2 still down)."""
        for _ in range(limit):
            doc_id = self.c.queue.next_escalation()
            if doc_id is None:
                return
            record = self.c.store.get(doc_id)
            if record is None or record.status is not Status.NEEDS_REVIEW:
                continue  # delivered meanwhile, or decided: nothing left to send
            if not escalate(self.c, self.buli2, record, actor="dispatcher"):
                return
            report.escalated += 1

    def _chase_overdue_reviews(self, report: ReconcileReport) -> None:
        """Escalations unanswered past FILOT_REVIEW_SLA_S: send again (BULI2 dedupes on the key) and report."""
        for record in self.c.store.stale([Status.ESCALATED], older_than_s=self.settings.review_sla_s):
            with bind(correlation_id=record.correlation_id, doc_id=record.id):
                log.warning("review overdue doc=%s escalated at %s; sent again", record.id, record.updated_at.isoformat())
                report.review_overdue += 1
                try:
                    self.buli2.escalate(escalation_payload(self.c, record))
                except Buli2Error as exc:
                    log.error("overdue escalation not re-sent doc=%s error=%s", record.id, exc)
                self.c.store.touch(record.id)  # one reminder per SLA period, not one per pass

    def _republish(self, report: ReconcileReport) -> None:
        for record in self.c.store.decided_since(seconds=self.settings.republish_window_s):
            report.republished += publish_final(self.c, record)
