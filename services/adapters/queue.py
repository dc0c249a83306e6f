"""The Redis queue with DESIGN.md's exact keys; each multi-key step is one Lua script, so a crash never splits it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis

# Pop, mark processing, stamp the time, count the attempt and take the per-document lock in one step.
_CLAIM_GPU = """
local doc = redis.call('LPOP', KEYS[1])
if not doc then return nil end
local lock = KEYS[5] .. doc
if not redis.call('SET', lock, ARGV[1], 'NX', 'EX', tonumber(ARGV[3])) then
  -- Another worker holds this document (it was queued twice); it will finish it.
  return {doc, -1}
end
redis.call('SADD', KEYS[2], doc)
redis.call('HSET', KEYS[3], doc, ARGV[2])
local attempts = redis.call('HINCRBY', KEYS[4], doc, 1)
return {doc, attempts}
"""

# Only the lock holder may finish; a late worker whose lock expired changes nothing.
_COMPLETE_GPU = """
local lock = KEYS[4] .. ARGV[1]
if redis.call('GET', lock) ~= ARGV[2] then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', lock)
return 1
"""

# Hand a document the GPU path could not finish to the CPU queue, atomically with the release.
_FALLBACK_TO_CPU = """
local lock = KEYS[3] .. ARGV[1]
if redis.call('GET', lock) ~= ARGV[2] then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', lock)
redis.call('LPUSH', KEYS[4], ARGV[1])
return 1
"""


@dataclass(frozen=True)
class QueueKeys:
    cpu_queue: str
    gpu_queue: str
    gpu_processing: str
    gpu_attempts: str
    gpu_timestamps: str
    gpu_lock_prefix: str
    gpu_results: str

    @classmethod
    def for_prefix(cls, prefix: str = "filot") -> QueueKeys:
        return cls(
            cpu_queue=f"{prefix}:ocr:queue",
            gpu_queue=f"{prefix}:ocr:gpu:queue",
            gpu_processing=f"{prefix}:ocr:gpu:processing",
            gpu_attempts=f"{prefix}:ocr:gpu:attempts",
            gpu_timestamps=f"{prefix}:ocr:gpu:processing:timestamps",
            gpu_lock_prefix=f"{prefix}:ocr:gpu:lock:",
            gpu_results=f"{prefix}:ocr:gpu:results",
        )

    def gpu_lock(self, doc_id: str) -> str:
        return f"{self.gpu_lock_prefix}{doc_id}"


@dataclass(frozen=True)
class GpuClaim:
    doc_id: str
    attempts: int
    correlation_id: str


class OcrQueue:
    """Producer and consumer operations on both OCR queues and the results channel."""

    def __init__(self, connection: redis.Redis, *, keys: QueueKeys) -> None:
        self.redis = connection
        self.keys = keys
        self._claim = connection.register_script(_CLAIM_GPU)
        self._complete = connection.register_script(_COMPLETE_GPU)
        self._fallback = connection.register_script(_FALLBACK_TO_CPU)

    def enqueue_gpu(self, doc_id: str) -> None:
        self.redis.rpush(self.keys.gpu_queue, doc_id)

    def enqueue_cpu(self, doc_id: str) -> None:
        self.redis.lpush(self.keys.cpu_queue, doc_id)

    def claim_gpu(self, *, correlation_id: str, lock_ttl_s: int) -> GpuClaim | None:
        """Take the oldest GPU job; None when the queue is empty or the job is already held elsewhere."""
        k = self.keys
        result = self._claim(
            keys=[k.gpu_queue, k.gpu_processing, k.gpu_timestamps, k.gpu_attempts, k.gpu_lock_prefix],
            args=[correlation_id, int(time.time() * 1000), lock_ttl_s],
        )
        if result is None:
            return None
        doc_id, attempts = _text(result[0]), int(result[1])
        if attempts < 0:
            return None
        return GpuClaim(doc_id=doc_id, attempts=attempts, correlation_id=correlation_id)

    def complete_gpu(self, claim: GpuClaim) -> bool:
        k = self.keys
        done = self._complete(
            keys=[k.gpu_processing, k.gpu_timestamps, k.gpu_attempts, k.gpu_lock_prefix],
            args=[claim.doc_id, claim.correlation_id],
        )
        return bool(done)

    def fallback_to_cpu(self, claim: GpuClaim) -> bool:
        k = self.keys
        moved = self._fallback(
            keys=[k.gpu_processing, k.gpu_timestamps, k.gpu_lock_prefix, k.cpu_queue],
            args=[claim.doc_id, claim.correlation_id],
        )
        return bool(moved)

    def claim_cpu(self, *, timeout_s: float) -> str | None:
        item = self.redis.brpop([self.keys.cpu_queue], timeout=timeout_s)
        return _text(item[1]) if item else None

    def publish_result(self, payload: dict[str, Any]) -> int:
        return int(self.redis.publish(self.keys.gpu_results, json.dumps(payload, sort_keys=True)))

    def lengths(self) -> dict[str, int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.llen(self.keys.gpu_queue)
        pipe.llen(self.keys.cpu_queue)
        pipe.scard(self.keys.gpu_processing)
        gpu, cpu, processing = pipe.execute()
        return {"gpu": int(gpu), "cpu": int(cpu), "gpu_processing": int(processing)}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
