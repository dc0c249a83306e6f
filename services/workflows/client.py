"""Starting and signalling document workflows from the API (FILOT_WORKFLOW_ENGINE=temporal)."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from services.platform.settings import Settings
from services.workflows.activities import HumanDecision
from services.workflows.verification import DocumentVerification, workflow_id


async def start_verification(settings: Settings, doc_id: str) -> None:
    client = await Client.connect(settings.temporal_address)
    # The workflow id is the document id: starting it twice is refused by Temporal, not run twice.
    await client.start_workflow(
        DocumentVerification.run,
        args=[doc_id, settings.review_timeout_s],
        id=workflow_id(doc_id),
        task_queue=settings.temporal_task_queue,
    )


def signal_human_decision(settings: Settings, doc_id: str, decision: HumanDecision) -> None:
    """Called from a sync route (a worker thread with no event loop of its own)."""

    async def send() -> None:
        client = await Client.connect(settings.temporal_address)
        await client.get_workflow_handle(workflow_id(doc_id)).signal(DocumentVerification.human_decision, decision)

    asyncio.run(send())
