"""GET /metrics over real HTTP: services only, Prometheus text that prometheus-client's own parser reads, queue
lengths as the test put them in Redis and documents as the database holds them, one registry per app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from devtools.devservers import free_port
from services.adapters.queue import QueueKeys
from services.api.app import create_app
from services.core.lifecycle import Status
from services.platform.metrics import BACKEND_NAMESPACE, CIRCUIT_BREAKER_STATE, METRICS, emit
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread

KEY = {"X-Service-Key": "local-service-key"}


def serve_api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    return httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)


def document(components: Components, doc_id: str, *path: Status) -> str:
    """A document moved along `path` through the real store (so the audit trail has every step)."""
    components.store.create(
        doc_id=doc_id, owner="alice", doc_type="ktp", object_key="k", content_type="image/png",
        size_bytes=1, sha256="0" * 64, correlation_id="c",
    )
    for status in path:
        assert components.store.transition(doc_id, status, actor="test", score=60.0 if status is Status.SCORED else None)
    return doc_id


def scrape(client: httpx.Client) -> dict[str, list[Sample]]:
    response = client.get("/metrics", headers=KEY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


def values(samples: list[Sample], name: str, label: str) -> dict[str, float]:
    return {s.labels[label]: s.value for s in samples if s.name == name}


@pytest.fixture
def components(settings: Settings) -> Components:
    return build_components(settings)


def test_metrics_need_the_service_key_and_refuse_users(
    components: Components, serve: Callable[[object], ServerThread]
) -> None:
    client = serve_api(components, serve)
    missing = client.get("/metrics")
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "invalid_service_key")
    assert client.get("/metrics", headers={"X-Service-Key": "wrong"}).status_code == 401
    user = client.get("/metrics", headers={"X-Dev-User": "alice"})
    assert (user.status_code, user.json()["error"]["code"]) == (403, "service_route")
    both = client.get("/metrics", headers={**KEY, "Authorization": "Bearer x"})
    assert both.status_code == 403
    assert client.get("/metrics", headers=KEY).status_code == 200


def test_metrics_show_redis_and_the_database_as_they_are(
    components: Components, serve: Callable[[object], ServerThread]
) -> None:
    keys = QueueKeys.for_prefix(components.settings.redis_prefix)
    r = redis.Redis.from_url(components.settings.redis_url)
    r.rpush(keys.gpu_queue, "a", "b", "c")
    r.lpush(keys.cpu_queue, "d")
    r.rpush(keys.buli2_queue, "e", "f")
    r.sadd(keys.gpu_processing, "g", "h")
    document(components, "1" * 32, Status.QUEUED)
    document(components, "2" * 32, Status.QUEUED)
    document(components, "3" * 32, Status.QUEUED, Status.FAILED)
    document(components, "4" * 32, Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.APPROVED)
    document(
        components, "5" * 32,
        Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW, Status.ESCALATED, Status.REJECTED,
    )
    client = serve_api(components, serve)
    client.get("/health")
    emit(BACKEND_NAMESPACE, CIRCUIT_BREAKER_STATE, 1)  # as this process's BULI2 client would on a transition

    families = scrape(client)
    assert values(families["filot_queue_length"], "filot_queue_length", "queue") == {"GPU": 3, "CPU": 1, "BULI2": 2}
    assert [s.value for s in families["filot_gpu_active_jobs"]] == [2]
    assert values(families["filot_documents"], "filot_documents", "status") == {
        status.value: {"queued": 2, "failed": 1, "approved": 1, "rejected": 1}.get(status.value, 0) for status in Status
    }
    assert [s.value for s in families["filot_dead_letters"]] == [1]
    decided = values(families["filot_documents_decided"], "filot_documents_decided_total", "decision")
    assert decided == {"approved": 1, "rejected": 0, "needs_review": 1}  # first decisions, by the workers
    reviewed = values(families["filot_reviews_decided"], "filot_reviews_decided_total", "decision")
    assert reviewed == {"approved": 0, "rejected": 1}  # the reviewer's
    # This process's own: request durations (at least the /health above) and its breaker's last state.
    counts = [s.value for s in families["filot_http_request_duration_ms"] if s.name.endswith("_count")]
    assert counts and counts[0] >= 1
    assert [s.value for s in families["filot_circuit_breaker_state"]] == [1]
    emit(BACKEND_NAMESPACE, CIRCUIT_BREAKER_STATE, 0)
    # Every metric of the contract has its family, each exactly once.
    assert {m.prometheus_name for m in METRICS.values()} <= set(families)

    r.lpop(keys.gpu_queue)
    document(components, "6" * 32, Status.QUEUED, Status.FAILED)
    again = scrape(client)  # read at scrape time, not cached
    assert values(again["filot_queue_length"], "filot_queue_length", "queue")["GPU"] == 2
    assert [s.value for s in again["filot_dead_letters"]] == [2]


def test_each_app_reads_its_own_database(
    settings: Settings, tmp_path: Path, serve: Callable[[object], ServerThread]
) -> None:
    first = build_components(settings)
    second = build_components(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'other.db'}"}))
    document(first, "7" * 32, Status.QUEUED, Status.FAILED)
    one, two = serve_api(first, serve), serve_api(second, serve)
    assert [s.value for s in scrape(one)["filot_dead_letters"]] == [1]
    assert [s.value for s in scrape(two)["filot_dead_letters"]] == [0]
    assert [s.value for s in scrape(one)["filot_dead_letters"]] == [1]


def test_a_dependency_down_leaves_its_families_out_not_the_scrape(
    settings: Settings, serve: Callable[[object], ServerThread]
) -> None:
    no_redis = build_components(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
    families = scrape(serve_api(no_redis, serve))
    assert "filot_queue_length" not in families and "filot_gpu_active_jobs" not in families
    assert "filot_documents" in families and "filot_http_request_duration_ms" in families
