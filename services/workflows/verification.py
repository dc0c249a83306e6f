"""The document-verification workflow: OCR, score, then approve/reject at once or wait for BULI2's human
decision (a signal, kept even when it arrives before the workflow waits for it) with a timeout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from services.workflows.activities import HumanDecision, OcrResult, Verdict

TASK_QUEUE = "filot-documents"
_ACTIVITY: dict[str, Any] = {"start_to_close_timeout": timedelta(minutes=5), "retry_policy": RetryPolicy(maximum_attempts=5)}


def workflow_id(doc_id: str) -> str:
    return f"document-{doc_id}"


@workflow.defn(name="DocumentVerification")
class DocumentVerification:
    def __init__(self) -> None:
        self._human: HumanDecision | None = None

    @workflow.signal(name="human_decision")
    def human_decision(self, decision: HumanDecision) -> None:
        if self._human is None:  # the first decision stands; a repeat changes nothing
            self._human = decision

    @workflow.run
    async def run(self, doc_id: str, review_timeout_s: float) -> str:
        read: OcrResult = await workflow.execute_activity("ocr", doc_id, result_type=OcrResult, **_ACTIVITY)
        verdict: Verdict = await workflow.execute_activity("score", read, result_type=Verdict, **_ACTIVITY)
        status: str = await workflow.execute_activity("record", verdict, result_type=str, **_ACTIVITY)
        if status != "needs_review":
            return status
        await workflow.execute_activity("escalate", doc_id, result_type=bool, **_ACTIVITY)
        try:
            await workflow.wait_condition(lambda: self._human is not None, timeout=timedelta(seconds=review_timeout_s))
        except TimeoutError:
            return "review_timeout"
        # bandit B101: Temporal workflow invariant; not input
        assert self._human is not None  # nosec B101
        return await workflow.execute_activity(
            "apply_human_decision", args=[doc_id, self._human], result_type=str, **_ACTIVITY
        )
