"""Every Lua script of the queue against a real redis-server, races included: docs/design.md's exact keys,
atomic claims, holder-only completion, heartbeats, stalled-job sweeps and publish-once."""

from __future__ import annotations

import json
import threading
import time

import pytest
import redis

from services.adapters.queue import Claim, OcrQueue, QueueKeys


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
        assert queue.enqueue_gpu(doc)
    assert client.lrange("filot:ocr:gpu:queue", 0, -1) == ["a", "b", "c"]  # RPUSH
    before_ms = int(time.time() * 1000)
    claim = queue.claim_gpu(token="cid-1", lock_ttl_s=600)
    assert claim == Claim(doc_id="a", attempts=1, token="cid-1", path="gpu")
    assert client.lrange("filot:ocr:gpu:queue", 0, -1) == ["b", "c"]
    assert client.smembers("filot:ocr:gpu:processing") == {"a"}
    assert int(client.hget("filot:ocr:gpu:processing:timestamps", "a")) >= before_ms  # type: ignore[arg-type]
    assert client.hget("filot:ocr:gpu:attempts", "a") == "1"
    assert client.get("filot:ocr:gpu:lock:a") == "cid-1"
    assert 590 <= client.ttl("filot:ocr:gpu:lock:a") <= 600


def test_empty_queue_claims_nothing(queue: OcrQueue) -> None:
    assert queue.claim_gpu(token="x", lock_ttl_s=10) is None
    assert queue.claim_cpu(token="x", lock_ttl_s=10, timeout_s=0.1) is None


def test_enqueue_is_idempotent_while_the_document_is_anywhere_in_flight(queue: OcrQueue, client: redis.Redis) -> None:
    assert queue.enqueue_gpu("doc") is True
    assert queue.enqueue_gpu("doc") is False  # already queued
    claim = queue.claim_gpu(token="t", lock_ttl_s=60)
    assert claim is not None
    assert queue.enqueue_gpu("doc") is False  # being processed
    assert queue.fallback_to_cpu(claim)
    assert queue.enqueue_gpu("doc") is False  # in the CPU queue
    cpu = queue.claim_cpu(token="u", lock_ttl_s=60, timeout_s=1)
    assert cpu is not None and cpu.doc_id == "doc"
    assert queue.enqueue_gpu("doc") is False  # processed on the CPU path
    assert queue.complete(cpu)
    assert queue.enqueue_gpu("doc") is True  # finished: may be queued again
    assert client.llen("filot:ocr:gpu:queue") == 1


def test_only_the_lock_holder_completes(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    claim = queue.claim_gpu(token="mine", lock_ttl_s=600)
    assert claim is not None
    late = Claim(doc_id="doc", attempts=1, token="someone-else", path="gpu")
    assert queue.complete(late) is False
    assert queue.release(late) is False
    assert queue.heartbeat(late, lock_ttl_s=600) is False
    assert client.smembers("filot:ocr:gpu:processing") == {"doc"}
    assert queue.complete(claim) is True
    assert client.smembers("filot:ocr:gpu:processing") == set()
    assert client.hget("filot:ocr:gpu:processing:timestamps", "doc") is None
    assert client.exists("filot:ocr:gpu:lock:doc") == 0
    assert queue.complete(claim) is False  # a second completion changes nothing


def test_two_workers_racing_for_one_document_get_it_once(queue: OcrQueue, redis_url: str) -> None:
    queue.enqueue_gpu("doc")
    queue.redis.rpush(queue.keys.gpu_queue, "doc")  # a duplicate that slipped past, e.g. from an old version
    won: list[Claim | None] = []
    barrier = threading.Barrier(2)

    def take(token: str) -> None:
        mine = OcrQueue(redis.Redis.from_url(redis_url), keys=queue.keys)
        barrier.wait()
        won.append(mine.claim_gpu(token=token, lock_ttl_s=60))

    threads = [threading.Thread(target=take, args=(t,)) for t in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(claim is not None for claim in won) == 1
    assert queue.redis.hget(queue.keys.gpu_attempts, "doc") == b"1"


def test_expired_lock_then_late_completion_cannot_overwrite(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    slow = queue.claim_gpu(token="slow", lock_ttl_s=1)
    assert slow is not None
    time.sleep(2.1)  # the slow worker's lock expires
    swept = queue.sweep(lock_ttl_s=1, max_attempts=3)
    assert swept.gpu_requeued == ["doc"]
    fresh = queue.claim_gpu(token="fresh", lock_ttl_s=60)
    assert fresh is not None and fresh.attempts == 2
    assert queue.complete(slow) is False  # the late worker cannot finish it
    assert queue.heartbeat(slow, lock_ttl_s=60) is False
    assert client.get("filot:ocr:gpu:lock:doc") == "fresh"
    assert queue.complete(fresh) is True


def test_heartbeat_keeps_a_long_job_from_being_swept(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    claim = queue.claim_gpu(token="t", lock_ttl_s=1)
    assert claim is not None
    for _ in range(4):
        time.sleep(0.5)
        assert queue.heartbeat(claim, lock_ttl_s=1)
    swept = queue.sweep(lock_ttl_s=1, max_attempts=3)
    assert swept.gpu_requeued == [] and client.smembers("filot:ocr:gpu:processing") == {"doc"}


def test_stalled_gpu_job_goes_to_the_cpu_queue_after_max_attempts(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("doc")
    for attempt in (1, 2):
        claim = queue.claim_gpu(token=f"t{attempt}", lock_ttl_s=1)
        assert claim is not None and claim.attempts == attempt
        client.delete("filot:ocr:gpu:lock:doc")  # the worker died and its lock ran out
        client.hset("filot:ocr:gpu:processing:timestamps", "doc", 0)
        swept = queue.sweep(lock_ttl_s=1, max_attempts=2)
        assert swept.gpu_requeued == (["doc"] if attempt == 1 else [])
    assert swept.gpu_to_cpu == ["doc"]
    assert client.lrange("filot:ocr:queue", 0, -1) == ["doc"]
    assert client.hget("filot:ocr:gpu:attempts", "doc") is None


def test_cpu_claim_survives_a_crash_and_is_dead_lettered_after_max_attempts(
    queue: OcrQueue, client: redis.Redis
) -> None:
    queue.enqueue_cpu("doc")
    for attempt in (1, 2):
        claim = queue.claim_cpu(token=f"t{attempt}", lock_ttl_s=1, timeout_s=1)
        assert claim is not None and claim.attempts == attempt
        assert client.lrange("filot:ocr:cpu:processing", 0, -1) == ["doc"]  # BLMOVE: never only in memory
        client.delete("filot:ocr:cpu:lock:doc")  # killed
        client.hset("filot:ocr:cpu:processing:timestamps", "doc", 0)
        swept = queue.sweep(lock_ttl_s=1, max_attempts=2)
    assert swept.dead == ["doc"]
    assert client.llen("filot:ocr:cpu:processing") == 0 and client.llen("filot:ocr:queue") == 0


def test_cpu_job_moved_but_never_locked_is_judged_on_a_later_sweep(queue: OcrQueue, client: redis.Redis) -> None:
    client.rpush("filot:ocr:cpu:processing", "doc")  # a worker died between BLMOVE and its lock
    assert queue.sweep(lock_ttl_s=1, max_attempts=3).cpu_requeued == []  # first seen: stamped
    assert client.hget("filot:ocr:cpu:processing:timestamps", "doc") is not None
    client.hset("filot:ocr:cpu:processing:timestamps", "doc", 0)  # ...and that stamp now older than the TTL
    assert queue.sweep(lock_ttl_s=1, max_attempts=3).cpu_requeued == ["doc"]
    assert queue.claim_cpu(token="t", lock_ttl_s=60, timeout_s=1) is not None


def test_release_puts_the_document_first_in_line_without_spending_an_attempt(
    queue: OcrQueue, client: redis.Redis
) -> None:
    for doc in ("a", "b"):
        queue.enqueue_gpu(doc)
    claim = queue.claim_gpu(token="t", lock_ttl_s=60)
    assert claim is not None and queue.release(claim)
    assert client.lrange("filot:ocr:gpu:queue", 0, -1) == ["a", "b"]
    assert client.hget("filot:ocr:gpu:attempts", "a") == "0"
    again = queue.claim_gpu(token="u", lock_ttl_s=60)
    assert again is not None and again.doc_id == "a" and again.attempts == 1


def test_cpu_retry_goes_to_the_back_and_counts(queue: OcrQueue, client: redis.Redis) -> None:
    for doc in ("a", "b"):
        queue.enqueue_cpu(doc)
    claim = queue.claim_cpu(token="t", lock_ttl_s=60, timeout_s=1)
    assert claim is not None and claim.doc_id == "a" and queue.retry(claim)
    assert [queue.claim_cpu(token=t, lock_ttl_s=60, timeout_s=1).doc_id for t in ("u", "v")] == ["b", "a"]  # type: ignore[union-attr]
    assert client.hget("filot:ocr:cpu:attempts", "a") == "2"


def test_cpu_queue_is_fifo(queue: OcrQueue) -> None:
    for doc in ("a", "b", "c"):
        queue.enqueue_cpu(doc)  # LPUSH, consumed from the right
    assert [queue.claim_cpu(token=d, lock_ttl_s=9, timeout_s=1).doc_id for d in "xyz"] == ["a", "b", "c"]  # type: ignore[union-attr]


def test_final_results_are_published_once(queue: OcrQueue, client: redis.Redis) -> None:
    pubsub = client.pubsub()
    pubsub.subscribe("filot:ocr:gpu:results")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
    assert queue.publish_final("doc", "approved", {"document_id": "doc", "status": "approved"}) is True
    assert queue.publish_final("doc", "approved", {"document_id": "doc", "status": "approved"}) is False
    message = pubsub.get_message(timeout=2)
    assert message is not None and json.loads(message["data"]) == {"document_id": "doc", "status": "approved"}
    assert pubsub.get_message(timeout=0.5) is None
    pubsub.close()


def test_prefix_is_configurable(redis_url: str, client: redis.Redis) -> None:
    queue = OcrQueue(redis.Redis.from_url(redis_url), keys=QueueKeys.for_prefix("staging"))
    queue.enqueue_gpu("doc")
    assert client.lrange("staging:ocr:gpu:queue", 0, -1) == ["doc"]
    assert queue.lengths() == {"gpu": 1, "cpu": 0, "gpu_processing": 0, "cpu_processing": 0, "buli2": 0}


def test_gpu_jobs_no_gpu_worker_takes_move_to_the_cpu_queue(queue: OcrQueue, client: redis.Redis) -> None:
    """No GPU worker has polled: jobs past the cold-start wait move, oldest first, and a GPU claim finds nothing."""
    for doc in ("a", "b", "c"):
        queue.enqueue_gpu(doc)
    assert not queue.gpu_worker_alive()
    assert queue.drain_stranded(max_wait_s=1, no_worker_wait_s=600) == []  # a fleet starting from zero gets time
    for doc in ("a", "b", "c"):
        client.hset("filot:ocr:gpu:enqueued_at", doc, int(time.time() * 1000) - 601_000)
    assert queue.drain_stranded(max_wait_s=3600, no_worker_wait_s=600) == ["a", "b", "c"]
    # The CPU path takes from the right: the moved jobs ahead of anything queued there, the oldest first.
    assert client.lrange("filot:ocr:queue", 0, -1) == ["c", "b", "a"] and client.llen("filot:ocr:gpu:queue") == 0
    assert client.smembers("filot:ocr:queued") == {"a", "b", "c"} and client.hlen("filot:ocr:gpu:enqueued_at") == 0
    assert queue.enqueue_gpu("a") is False  # in flight on the CPU path now: not queued twice
    claim = queue.claim_cpu(token="t", lock_ttl_s=5, timeout_s=1)
    assert claim is not None and claim.doc_id == "a"


def test_with_a_live_gpu_worker_only_jobs_past_the_wait_move(queue: OcrQueue, client: redis.Redis) -> None:
    queue.enqueue_gpu("old")
    queue.enqueue_gpu("young")
    client.hset("filot:ocr:gpu:enqueued_at", "old", int(time.time() * 1000) - 300_000)  # queued 5 minutes ago
    assert queue.claim_gpu(token="t", lock_ttl_s=5) is not None  # a GPU worker polls (and takes "old")...
    queue.enqueue_gpu("older")
    client.hset("filot:ocr:gpu:enqueued_at", "older", int(time.time() * 1000) - 300_000)
    client.lrem("filot:ocr:gpu:queue", 1, "older")
    client.lpush("filot:ocr:gpu:queue", "older")  # ...and an older job waits at the head
    assert queue.gpu_worker_alive()
    assert queue.drain_stranded(max_wait_s=120, no_worker_wait_s=3600) == ["older"]  # the young one stays
    assert client.lrange("filot:ocr:gpu:queue", 0, -1) == ["young"]
    assert queue.drain_stranded(max_wait_s=120, no_worker_wait_s=3600) == []
    client.rpush("filot:ocr:gpu:queue", "unstamped")  # requeued by the sweep: no queued time
    # "young" queued 2 s ago, stated outright: the round trips since its enqueue can take under a millisecond.
    client.hset("filot:ocr:gpu:enqueued_at", "young", int(time.time() * 1000) - 2000)
    assert queue.drain_stranded(max_wait_s=1, no_worker_wait_s=3600) == ["young"]  # "unstamped" stamped now, not moved
    assert client.hget("filot:ocr:gpu:enqueued_at", "unstamped") is not None
