"""The Redis queue against a real redis-server: DESIGN.md's exact keys, atomic claim, holder-only completion."""

from __future__ import annotations

import json
import time

import pytest
import redis

from services.adapters.queue import OcrQueue, QueueKeys


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=True)


@pytest.fixture
def queue(redis_url: str) -> OcrQueue:
    return OcrQueue(redis.Redis.from_url(redis_url), keys=QueueKeys.for_prefix("filot"))


def test_key_names_are_exactly_those_of_the_design() -> None:
    keys = QueueKeys.for_prefix("filot")
    assert keys.cpu_queue == "filot:ocr:queue"
    assert keys.gpu_queue == "filot:ocr:gpu:queue"
    assert keys.gpu_processing == "filot:ocr:gpu:processing"
    assert keys.gpu_attempts == "filot:ocr:gpu:attempts"
    assert keys.gpu_timestamps == "filot:ocr:gpu:processing:timestamps"
    assert keys.gpu_lock("abc") == "filot:ocr:gpu:lock:abc"
    assert keys.gpu_results == "filot:ocr:gpu:results"


def test_gpu_queue_is_fifo_and_claim_marks_everything_at_once(queue: OcrQueue, client: redis.Redis) -> None:
    for doc in ("a", "b", "c"):
        queue.enqueue_gpu(doc)
    assert client.lrange("filot:ocr:gpu:queue", 0, -1) == ["a", "b", "c"]  # RPUSH
    before_ms = int(time.time() * 1000)
    claim = queue.claim_gpu(correlation_id="cid-1", lock_ttl_s=600)
    assert claim is not None and claim.doc_id == "a" and claim.attempts == 1
    assert client.lrange("filot:ocr:gpu:queue", 0, -1) == ["b", "c"]
    assert client.smembers("filot:ocr:gpu:processing") == {"a"}
    assert int(client.hget("filot:ocr:gpu:processing:timestamps", "a")) >= before_ms  # type: ignore[arg-type]
    assert client.hget("filot:ocr:gpu:attempts", "a") == "1"
    assert client.get("filot:ocr:gpu:lock:a") == "cid-1"
    assert 590 <= client.ttl("filot:ocr:gpu:lock:a") <= 600


def test_empty_queue_claims_nothing(queue: OcrQueue) -> None:
    assert queue.claim_gpu(correlation_id="x", lock_ttl_s=10) is None


def test_only_the_lock_holder_completes(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    claim = queue.claim_gpu(correlation_id="mine", lock_ttl_s=600)
    assert claim is not None
    late = type(claim)(doc_id="doc", attempts=1, correlation_id="someone-else")
    assert queue.complete_gpu(late) is False
    assert client.smembers("filot:ocr:gpu:processing") == {"doc"}
    assert queue.complete_gpu(claim) is True
    assert client.smembers("filot:ocr:gpu:processing") == set()
    assert client.hget("filot:ocr:gpu:processing:timestamps", "doc") is None
    assert client.exists("filot:ocr:gpu:lock:doc") == 0
    assert queue.complete_gpu(claim) is False  # a second completion changes nothing


def test_document_already_locked_is_not_processed_twice(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    queue.enqueue_gpu("doc")  # queued twice by mistake
    first = queue.claim_gpu(correlation_id="w1", lock_ttl_s=600)
    second = queue.claim_gpu(correlation_id="w2", lock_ttl_s=600)
    assert first is not None and second is None
    assert client.get("filot:ocr:gpu:lock:doc") == "w1"
    assert client.hget("filot:ocr:gpu:attempts", "doc") == "1"


def test_fallback_moves_the_document_to_the_cpu_queue(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    claim = queue.claim_gpu(correlation_id="w1", lock_ttl_s=600)
    assert claim is not None
    assert queue.fallback_to_cpu(claim) is True
    assert client.lrange("filot:ocr:queue", 0, -1) == ["doc"]
    assert client.smembers("filot:ocr:gpu:processing") == set()
    assert client.exists("filot:ocr:gpu:lock:doc") == 0
    assert queue.claim_cpu(timeout_s=1) == "doc"
    assert queue.claim_cpu(timeout_s=0.1) is None


def test_cpu_queue_is_fifo(queue: OcrQueue) -> None:
    for doc in ("a", "b", "c"):
        queue.enqueue_cpu(doc)  # LPUSH, consumed by BRPOP
    assert [queue.claim_cpu(timeout_s=1) for _ in range(3)] == ["a", "b", "c"]


def test_results_are_published_as_json(queue: OcrQueue, client: redis.Redis) -> None:
    pubsub = client.pubsub()
    pubsub.subscribe("filot:ocr:gpu:results")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
    assert queue.publish_result({"document_id": "doc", "status": "approved"}) == 1
    message = pubsub.get_message(timeout=2)
    assert message is not None and json.loads(message["data"]) == {"document_id": "doc", "status": "approved"}
    pubsub.close()


def test_prefix_is_configurable(redis_url: str, client: redis.Redis) -> None:
    queue = OcrQueue(redis.Redis.from_url(redis_url), keys=QueueKeys.for_prefix("staging"))
    queue.enqueue_gpu("doc")
    assert client.lrange("staging:ocr:gpu:queue", 0, -1) == ["doc"]
    assert queue.lengths() == {"gpu": 1, "cpu": 0, "gpu_processing": 0}
