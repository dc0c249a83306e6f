"""The reconciler restores every document from the database after Redis loses it or a worker dies mid-way."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from devtools.buli2_standin import create_reviewer_app
from devtools.devservers import free_port
from services.adapters.buli2 import Buli2Client
from services.adapters.database import documents
from services.adapters.queue import Claim
from services.core.lifecycle import Status
from services.platform.settings import Settings
from services.processes.reconciler import Reconciler
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.worker_helpers import sample, submit, worker


@pytest.fixture
def components(settings: Settings) -> Components:
    # Stale at once: the tests move the clock by setting state, not by waiting.
    return build_components(
        settings.model_copy(update={"stale_after_s": 0.0001, "recovery_grace_s": 0.0001, "lock_ttl_s": 1})
    )


@pytest.fixture
def buli2(components: Components, serve: Callable[[object], ServerThread]) -> Iterator[Buli2Client]:
    reviewer = serve(create_reviewer_app(components.settings.model_copy(update={"reviewer_auto_decide_s": None})))
    client = Buli2Client(base_url=reviewer.url, api_key=components.settings.buli2_api_key, timeout_s=5)
    yield client
    client.close()


def flush(components: Components) -> None:
    redis.Redis.from_url(components.settings.redis_url).flushall()


def test_flushed_redis_loses_no_document(components: Components, buli2: Buli2Client, sample_dir: Path) -> None:
    docs = [submit(components, sample(sample_dir, v).read_bytes()) for v in ("clean", "no_card", "rotate")]
    flush(components)
    report = Reconciler(components, buli2).run_once()
    assert report.enqueued == 3
    assert Reconciler(components, buli2).run_once().enqueued == 0  # idempotent: nothing queued twice
    assert components.queue.lengths()["gpu"] == 3
    parts = (components, buli2)
    while worker("gpu", parts).process_one():
        pass
    assert {components.store.get(d).status for d in docs} <= {Status.APPROVED, Status.REJECTED}  # type: ignore[union-attr]


def test_upload_recorded_while_redis_was_down_gets_queued(components: Components, buli2: Buli2Client) -> None:
    components.store.create(
        doc_id="a" * 32, owner="u", doc_type="ktp", object_key="k", content_type="image/png",
        size_bytes=1, sha256="0" * 64, correlation_id="c",
    )
    assert Reconciler(components, buli2).run_once().enqueued == 1
    assert components.store.get("a" * 32).status is Status.QUEUED  # type: ignore[union-attr]


def test_processing_without_a_live_claim_is_requeued(
    components: Components, buli2: Buli2Client, sample_dir: Path
) -> None:
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    claim = components.queue.claim_gpu(token="dead-worker", lock_ttl_s=60)
    assert claim is not None
    components.store.transition(doc, Status.PROCESSING, actor="worker:gpu", claim_id="dead-worker")
    assert Reconciler(components, buli2).run_once().reclaimed == 0  # lock alive: leave it
    flush(components)  # lock and processing entry gone with Redis
    report = Reconciler(components, buli2).run_once()
    assert report.reclaimed == 1
    record = components.store.get(doc)
    assert record is not None and record.status is Status.QUEUED
    # The dead worker's late write is fenced off.
    assert not components.store.transition(doc, Status.SCORED, actor="worker:gpu", fence="dead-worker", score=1.0)


def test_scored_but_undecided_is_decided_from_the_stored_score(
    components: Components, buli2: Buli2Client, sample_dir: Path
) -> None:
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    components.store.transition(doc, Status.PROCESSING, actor="w", claim_id="t")
    components.store.transition(doc, Status.SCORED, actor="w", score=97.0, reasons=[], fields={})
    assert Reconciler(components, buli2).run_once().redecided == 1
    assert components.store.get(doc).status is Status.APPROVED  # type: ignore[union-attr]


def test_escalation_waits_while_buli2_is_down_and_is_delivered_once_it_is_back(
    components: Components, buli2: Buli2Client, sample_dir: Path
) -> None:
    dead = Buli2Client(base_url=f"http://127.0.0.1:{free_port()}", api_key="k", timeout_s=1)
    doc = submit(components, sample(sample_dir, "invalid_nik").read_bytes())
    worker("gpu", (components, dead)).process_one()
    assert components.store.get(doc).status is Status.NEEDS_REVIEW  # type: ignore[union-attr]
    assert components.queue.lengths()["buli2"] == 1  # held in filot:buli2:queue, not dropped
    assert Reconciler(components, dead).run_once().escalated == 0
    assert components.queue.lengths()["buli2"] == 1  # still held, once
    assert Reconciler(components, buli2).run_once().escalated == 1
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]
    assert components.queue.lengths()["buli2"] == 0
    assert Reconciler(components, buli2).run_once().escalated == 0


def test_a_lost_publish_is_made_good_exactly_once(
    components: Components, buli2: Buli2Client, sample_dir: Path
) -> None:
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", (components, buli2)).process_one()
    client = redis.Redis.from_url(components.settings.redis_url)
    # As if the worker died before PUBLISH: neither the Redis marker nor the database flag was written.
    client.delete(f"filot:ocr:published:{doc}:approved")
    with components.store.engine.begin() as conn:
        conn.execute(documents.update().values(published=None))
    listener = client.pubsub()
    listener.subscribe("filot:ocr:gpu:results")
    listener.get_message(timeout=2)
    assert Reconciler(components, buli2).run_once().republished == 1
    assert Reconciler(components, buli2).run_once().republished == 0
    message = listener.get_message(timeout=2)
    assert message is not None and json.loads(message["data"])["document_id"] == doc
    assert listener.get_message(timeout=0.5) is None


def test_a_flushed_redis_does_not_make_results_publish_twice(
    components: Components, buli2: Buli2Client, sample_dir: Path
) -> None:
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", (components, buli2)).process_one()
    assert components.store.get(doc).published == "approved"  # type: ignore[union-attr]
    flush(components)
    assert Reconciler(components, buli2).run_once().republished == 0


def test_cpu_job_stalled_on_every_attempt_is_dead_lettered_and_can_be_redriven(
    components: Components, buli2: Buli2Client, sample_dir: Path, settings: Settings
) -> None:
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    client = redis.Redis.from_url(components.settings.redis_url)
    gpu = components.queue.claim_gpu(token="g", lock_ttl_s=60)
    assert gpu is not None
    components.queue.fallback_to_cpu(gpu)
    for attempt in range(components.settings.max_attempts):
        claim = components.queue.claim_cpu(token=f"t{attempt}", lock_ttl_s=60, timeout_s=1)
        assert isinstance(claim, Claim)
        client.delete(f"filot:ocr:cpu:lock:{doc}")  # the CPU worker was killed
        client.hset("filot:ocr:cpu:processing:timestamps", doc, 0)
        report = Reconciler(components, buli2).run_once()
    assert report.dead_lettered == 1
    record = components.store.get(doc)
    assert record is not None and record.status is Status.FAILED and record.error_code == "attempts_exhausted"

    env = {"FILOT_DATABASE_URL": components.settings.database_url, "FILOT_REDIS_URL": components.settings.redis_url}
    listed = run_cli(["deadletters", "list"], env)
    assert json.loads(listed.stdout.splitlines()[0])["id"] == doc
    redriven = run_cli(["deadletters", "redrive", doc, "0" * 32], env)
    assert redriven.returncode == 1  # the unknown id is reported, the real one redriven
    assert components.store.get(doc).status is Status.QUEUED  # type: ignore[union-attr]
    assert components.queue.lengths()["gpu"] == 1
    assert run_cli(["deadletters", "redrive"], env).returncode == 2


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "services", *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=60, check=False
    )


def test_reconcile_command_prints_its_report(components: Components) -> None:
    env = {
        "FILOT_DATABASE_URL": components.settings.database_url,
        "FILOT_REDIS_URL": components.settings.redis_url,
        "FILOT_BULI2_URL": f"http://127.0.0.1:{free_port()}",
    }
    result = run_cli(["reconcile"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["enqueued"] == 0


def test_an_unanswered_escalation_is_sent_again_and_reported_after_the_sla(
    components: Components, buli2: Buli2Client, sample_dir: Path
) -> None:
    components.settings = components.settings.model_copy(update={"review_sla_s": 0.0001})
    doc = submit(components, sample(sample_dir, "invalid_nik").read_bytes())
    worker("gpu", (components, buli2)).process_one()
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]
    report = Reconciler(components, buli2).run_once()
    assert report.review_overdue == 1
    reviewer_case = httpx.get(f"{buli2._client.base_url}/v1/escalations").json()
    assert reviewer_case[0]["deliveries"] == 2  # the same case, reminded, not a second one


def test_documents_no_gpu_worker_takes_are_decided_on_the_cpu_path(
    settings: Settings, buli2: Buli2Client, sample_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A GPU fleet that never starts strands nothing: past the cold-start wait the reconciler moves every waiting
    GPU job to the CPU queue (logged with the cause, counted), and the CPU worker decides them all."""
    import time

    components = build_components(settings.model_copy(update={"gpu_cold_start_wait_s": 0.2}))
    docs = [submit(components, sample(sample_dir, v).read_bytes()) for v in ("clean", "no_card", "rotate")]
    assert components.queue.lengths()["gpu"] == 3
    time.sleep(0.3)
    with caplog.at_level("WARNING", logger="filot.reconciler"):
        report = Reconciler(components, buli2).run_once()
    assert report.gpu_stranded_to_cpu == 3
    assert any("no GPU worker has polled" in r.getMessage() for r in caplog.records)
    assert components.queue.lengths()["gpu"] == 0 and components.queue.lengths()["cpu"] == 3
    parts = (components, buli2)
    while worker("cpu", parts).process_one():
        pass
    assert {components.store.get(d).status for d in docs} <= {Status.APPROVED, Status.REJECTED}  # type: ignore[union-attr]
    assert Reconciler(components, buli2).run_once().gpu_stranded_to_cpu == 0
