"""The Redis queue with the exact keys of docs/design.md; each multi-key step is one Lua script, so a crash never splits it.

Beside the design's keys, a few of our own make the CPU path crash-safe and enqueueing idempotent:
`<prefix>:ocr:gpu:queued` and `<prefix>:ocr:queued` (SETs mirroring what each list holds),
`<prefix>:ocr:cpu:processing` (LIST, BLMOVE target), `<prefix>:ocr:cpu:attempts`,
`<prefix>:ocr:cpu:processing:timestamps`, `<prefix>:ocr:cpu:lock:{docId}`, and
`<prefix>:ocr:published:{docId}:{status}` (publish-once markers).

Lock values are a per-claim token (the design's correlationId for the lock): a late worker whose lock
expired holds an old token, so it can neither complete, release nor renew.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import redis

Path = Literal["gpu", "cpu"]

# Shared Lua prelude: is a document anywhere in the pipeline right now?
_IN_FLIGHT = """
local function in_flight(k, doc)
  return redis.call('SISMEMBER', k.gpu_queued, doc) == 1
      or redis.call('SISMEMBER', k.gpu_processing, doc) == 1
      or redis.call('SISMEMBER', k.cpu_queued, doc) == 1
      or redis.call('LPOS', k.cpu_processing, doc) ~= false
end
local k = {gpu_queue=KEYS[1], gpu_queued=KEYS[2], gpu_processing=KEYS[3], cpu_queue=KEYS[4],
           cpu_queued=KEYS[5], cpu_processing=KEYS[6]}
"""

# ARGV: doc, 'gpu'|'cpu', now_ms; KEYS[7]: when each GPU job was queued. Idempotent: a document already queued
# or being processed is not queued again.
_ENQUEUE = _IN_FLIGHT + """
if in_flight(k, ARGV[1]) then return 0 end
if ARGV[2] == 'gpu' then
  redis.call('SADD', k.gpu_queued, ARGV[1]); redis.call('RPUSH', k.gpu_queue, ARGV[1])
  redis.call('HSET', KEYS[7], ARGV[1], ARGV[3])
else
  redis.call('SADD', k.cpu_queued, ARGV[1]); redis.call('LPUSH', k.cpu_queue, ARGV[1])
end
return 1
"""

# Pop, mark processing, stamp the time, count the attempt and take the per-document lock in one step.
# Every poll, empty or not, also marks a GPU worker alive (KEYS[7], for ARGV[5] ms).
# KEYS: gpu_queue, gpu_queued, processing, timestamps, attempts, enqueued_at, alive;
# ARGV: token, now_ms, ttl_s, lock_prefix, alive_ms
_CLAIM_GPU = """
redis.call('SET', KEYS[7], ARGV[2], 'PX', tonumber(ARGV[5]))
local doc = redis.call('LPOP', KEYS[1])
if not doc then return nil end
redis.call('SREM', KEYS[2], doc)
redis.call('HDEL', KEYS[6], doc)
if not redis.call('SET', ARGV[4] .. doc, ARGV[1], 'NX', 'EX', tonumber(ARGV[3])) then
  return {doc, -1}  -- held by another worker (queued twice); the holder finishes it
end
redis.call('SADD', KEYS[3], doc)
redis.call('HSET', KEYS[4], doc, ARGV[2])
return {doc, redis.call('HINCRBY', KEYS[5], doc, 1)}
"""

# After BLMOVE put `doc` in the CPU processing list: lock, stamp, count. KEYS: cpu_queued, processing,
# timestamps, attempts; ARGV: doc, token, now_ms, ttl_s, lock_prefix
# GPU jobs no GPU worker took in time move to the CPU queue, oldest first, atomically with the claims: a job
# queued before ARGV[1] while a GPU worker polls (KEYS[4] set: the fleet is busy), or before ARGV[2] while none
# does (a fleet starting from zero, or one that cannot start). KEYS: gpu_queue, gpu_queued, gpu_enqueued_at,
# gpu_alive, cpu_queue, cpu_queued; ARGV: oldest_allowed_ms (alive), oldest_allowed_ms (none alive), limit,
# now_ms. A job without a queued time (requeued by the sweep, or queued before the times were kept) is stamped now.
_DRAIN_STRANDED = """
local oldest = redis.call('EXISTS', KEYS[4]) == 1 and tonumber(ARGV[1]) or tonumber(ARGV[2])
local moved = {}
local jobs = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)
for _, doc in ipairs(jobs) do
  local queued_at = redis.call('HGET', KEYS[3], doc)
  if not queued_at then
    redis.call('HSET', KEYS[3], doc, ARGV[4])
  elseif tonumber(queued_at) > oldest then
    break
  else
    redis.call('LREM', KEYS[1], 1, doc); redis.call('SREM', KEYS[2], doc); redis.call('HDEL', KEYS[3], doc)
    redis.call('SADD', KEYS[6], doc)
    table.insert(moved, doc)
  end
end
-- The CPU path takes from the right: moved jobs (they have waited already) go first, the oldest of them first.
for i = #moved, 1, -1 do redis.call('RPUSH', KEYS[5], moved[i]) end
return moved
"""

_START_CPU = """
redis.call('SREM', KEYS[1], ARGV[1])
if not redis.call('SET', ARGV[5] .. ARGV[1], ARGV[2], 'NX', 'EX', tonumber(ARGV[4])) then
  redis.call('LREM', KEYS[2], 1, ARGV[1])
  return -1
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
"""

# Holder-only end of a claim. ARGV: doc, token, lock_prefix, outcome, path
#   outcome: 'complete' (done), 'release' (back to the front of its own queue, attempt not counted),
#            'retry' (back of its own queue), 'to_cpu' (GPU path gives up: CPU queue, GPU attempts reset)
# KEYS: gpu_queue, gpu_queued, gpu_processing, cpu_queue, cpu_queued, cpu_processing, timestamps, attempts
_FINISH = """
local doc, lock = ARGV[1], ARGV[3] .. ARGV[1]
if redis.call('GET', lock) ~= ARGV[2] then return 0 end
redis.call('DEL', lock)
redis.call('HDEL', KEYS[7], doc)
if ARGV[5] == 'gpu' then redis.call('SREM', KEYS[3], doc) else redis.call('LREM', KEYS[6], 1, doc) end
local outcome = ARGV[4]
if outcome == 'complete' then
  redis.call('HDEL', KEYS[8], doc)
elseif outcome == 'to_cpu' then
  redis.call('HDEL', KEYS[8], doc)
  redis.call('SADD', KEYS[5], doc); redis.call('LPUSH', KEYS[4], doc)
elseif ARGV[5] == 'gpu' then
  if outcome == 'release' then redis.call('HINCRBY', KEYS[8], doc, -1) end
  redis.call('SADD', KEYS[2], doc)
  if outcome == 'release' then redis.call('LPUSH', KEYS[1], doc) else redis.call('RPUSH', KEYS[1], doc) end
else
  if outcome == 'release' then redis.call('HINCRBY', KEYS[8], doc, -1) end
  redis.call('SADD', KEYS[5], doc)
  if outcome == 'release' then redis.call('RPUSH', KEYS[4], doc) else redis.call('LPUSH', KEYS[4], doc) end
end
return 1
"""

# Holder-only lock renewal. KEYS: timestamps; ARGV: doc, token, ttl_s, now_ms, lock_prefix
_HEARTBEAT = """
local lock = ARGV[5] .. ARGV[1]
if redis.call('GET', lock) ~= ARGV[2] then return 0 end
redis.call('EXPIRE', lock, tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1
"""

# Stalled GPU jobs: lock gone and last stamp older than the TTL. Back to the front of the GPU queue,
# or to the CPU queue once max attempts are spent. Returns {doc, 'gpu'|'cpu', ...}.
# KEYS: gpu_queue, gpu_queued, processing, timestamps, attempts, cpu_queue, cpu_queued
# ARGV: now_ms, ttl_ms, max_attempts, lock_prefix
_SWEEP_GPU = """
local moved = {}
for _, doc in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[4] .. doc) == 0 then
    local stamp = tonumber(redis.call('HGET', KEYS[4], doc) or '0')
    if tonumber(ARGV[1]) - stamp > tonumber(ARGV[2]) then
      redis.call('SREM', KEYS[3], doc); redis.call('HDEL', KEYS[4], doc)
      if tonumber(redis.call('HGET', KEYS[5], doc) or '0') >= tonumber(ARGV[3]) then
        redis.call('HDEL', KEYS[5], doc)
        redis.call('SADD', KEYS[7], doc); redis.call('LPUSH', KEYS[6], doc)
        table.insert(moved, doc); table.insert(moved, 'cpu')
      else
        redis.call('SADD', KEYS[2], doc); redis.call('LPUSH', KEYS[1], doc)
        table.insert(moved, doc); table.insert(moved, 'gpu')
      end
    end
  end
end
return moved
"""

# Stalled CPU jobs: in the processing list without a lock. A job first seen without a stamp (its worker died
# right after BLMOVE) is stamped now and judged on a later sweep. Returns {doc, 'cpu'|'dead', ...}.
# KEYS: cpu_queue, cpu_queued, processing, timestamps, attempts; ARGV: now_ms, ttl_ms, max_attempts, lock_prefix
_SWEEP_CPU = """
local moved = {}
for _, doc in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
  if redis.call('EXISTS', ARGV[4] .. doc) == 0 then
    local stamp = redis.call('HGET', KEYS[4], doc)
    if not stamp then
      redis.call('HSET', KEYS[4], doc, ARGV[1])
    elseif tonumber(ARGV[1]) - tonumber(stamp) > tonumber(ARGV[2]) then
      redis.call('LREM', KEYS[3], 1, doc); redis.call('HDEL', KEYS[4], doc)
      if tonumber(redis.call('HGET', KEYS[5], doc) or '0') >= tonumber(ARGV[3]) then
        redis.call('HDEL', KEYS[5], doc)
        table.insert(moved, doc); table.insert(moved, 'dead')
      else
        redis.call('SADD', KEYS[2], doc); redis.call('RPUSH', KEYS[1], doc)
        table.insert(moved, doc); table.insert(moved, 'cpu')
      end
    end
  end
end
return moved
"""

# Escalations BULI2 did not take wait here, each once. KEYS: list, set; ARGV: doc
_DEFER = """
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
"""
_TAKE = """
local doc = redis.call('LPOP', KEYS[1])
if doc then redis.call('SREM', KEYS[2], doc) end
return doc
"""

# Publish a final result once: the marker is set only by the first publisher. KEYS: marker, channel
_PUBLISH_ONCE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[2])) then return -1 end
return redis.call('PUBLISH', KEYS[2], ARGV[1])
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
    gpu_queued: str
    cpu_queued: str
    cpu_processing: str
    cpu_attempts: str
    cpu_timestamps: str
    cpu_lock_prefix: str
    published_prefix: str
    buli2_queue: str
    buli2_queued: str
    gpu_enqueued_at: str = ""
    gpu_alive: str = ""

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
            gpu_queued=f"{prefix}:ocr:gpu:queued",
            cpu_queued=f"{prefix}:ocr:queued",
            cpu_processing=f"{prefix}:ocr:cpu:processing",
            cpu_attempts=f"{prefix}:ocr:cpu:attempts",
            cpu_timestamps=f"{prefix}:ocr:cpu:processing:timestamps",
            cpu_lock_prefix=f"{prefix}:ocr:cpu:lock:",
            published_prefix=f"{prefix}:ocr:published:",
            buli2_queue=f"{prefix}:buli2:queue",
            buli2_queued=f"{prefix}:buli2:queued",
            gpu_enqueued_at=f"{prefix}:ocr:gpu:enqueued_at",
            gpu_alive=f"{prefix}:ocr:gpu:alive",
        )

    def gpu_lock(self, doc_id: str) -> str:
        return f"{self.gpu_lock_prefix}{doc_id}"

    def cpu_lock(self, doc_id: str) -> str:
        return f"{self.cpu_lock_prefix}{doc_id}"

    def lock_prefix(self, path: Path) -> str:
        return self.gpu_lock_prefix if path == "gpu" else self.cpu_lock_prefix

    def in_flight_keys(self) -> list[str]:
        return [
            self.gpu_queue,
            self.gpu_queued,
            self.gpu_processing,
            self.cpu_queue,
            self.cpu_queued,
            self.cpu_processing,
        ]


@dataclass(frozen=True)
class Claim:
    """A document held by one worker; `token` is the lock value that proves it."""

    doc_id: str
    attempts: int
    token: str
    path: Path


@dataclass(frozen=True)
class SweepResult:
    gpu_requeued: list[str]
    gpu_to_cpu: list[str]
    cpu_requeued: list[str]
    dead: list[str]


class OcrQueue:
    """Producer and consumer operations on both OCR queues and the results channel."""

    def __init__(self, connection: redis.Redis, *, keys: QueueKeys) -> None:
        self.redis = connection
        self.keys = keys
        self._enqueue = connection.register_script(_ENQUEUE)
        self._claim_gpu = connection.register_script(_CLAIM_GPU)
        self._start_cpu = connection.register_script(_START_CPU)
        self._finish = connection.register_script(_FINISH)
        self._heartbeat = connection.register_script(_HEARTBEAT)
        self._sweep_gpu = connection.register_script(_SWEEP_GPU)
        self._sweep_cpu = connection.register_script(_SWEEP_CPU)
        self._publish_once = connection.register_script(_PUBLISH_ONCE)
        self._defer = connection.register_script(_DEFER)
        self._take = connection.register_script(_TAKE)
        self._drain_stranded = connection.register_script(_DRAIN_STRANDED)

    def defer_escalation(self, doc_id: str) -> bool:
        """Keep an undelivered escalation in `<prefix>:buli2:queue` (once per document)."""
        return bool(self._defer(keys=[self.keys.buli2_queue, self.keys.buli2_queued], args=[doc_id]))

    def next_escalation(self) -> str | None:
        doc = self._take(keys=[self.keys.buli2_queue, self.keys.buli2_queued])
        return _text(doc) if doc is not None else None

    def forget(self, doc_id: str) -> int:
        """Take a document out of every waiting queue (GPU, CPU, BULI2 retries): its owner erased it. One a worker
        holds stays until the worker finishes, whose result then finds nothing to write. Returns entries removed."""
        k = self.keys
        pipe = self.redis.pipeline(transaction=True)
        for queue, queued in ((k.gpu_queue, k.gpu_queued), (k.cpu_queue, k.cpu_queued), (k.buli2_queue, k.buli2_queued)):
            pipe.lrem(queue, 0, doc_id)
            pipe.srem(queued, doc_id)
        return sum(int(count) for count in pipe.execute()[0::2])

    def enqueue_gpu(self, doc_id: str) -> bool:
        """RPUSH to the GPU queue unless the document is already queued or being processed anywhere."""
        return bool(self._enqueue(keys=[*self.keys.in_flight_keys(), self.keys.gpu_enqueued_at], args=[doc_id, "gpu", _now_ms()]))

    def enqueue_cpu(self, doc_id: str) -> bool:
        return bool(self._enqueue(keys=[*self.keys.in_flight_keys(), self.keys.gpu_enqueued_at], args=[doc_id, "cpu", _now_ms()]))

    def claim_gpu(self, *, token: str, lock_ttl_s: int, alive_s: float = 30.0) -> Claim | None:
        """Take the oldest GPU job; None when the queue is empty or the job is already held elsewhere. Every poll
        also says a GPU worker is alive for alive_s (drain_stranded moves everything when none is)."""
        k = self.keys
        result = self._claim_gpu(
            keys=[k.gpu_queue, k.gpu_queued, k.gpu_processing, k.gpu_timestamps, k.gpu_attempts, k.gpu_enqueued_at, k.gpu_alive],
            args=[token, _now_ms(), lock_ttl_s, k.gpu_lock_prefix, max(1, int(alive_s * 1000))],
        )
        if result is None or int(result[1]) < 0:
            return None
        return Claim(doc_id=_text(result[0]), attempts=int(result[1]), token=token, path="gpu")

    def claim_cpu(self, *, token: str, lock_ttl_s: int, timeout_s: float) -> Claim | None:
        """BLMOVE the oldest CPU job into the processing list (so a crash cannot lose it), then lock it."""
        k = self.keys
        # Redis 6+ takes fractional seconds; redis-py's annotation still says int.
        moved = self.redis.blmove(k.cpu_queue, k.cpu_processing, timeout_s, "RIGHT", "LEFT")  # type: ignore[arg-type]
        if moved is None:
            return None
        doc_id = _text(moved)
        attempts = int(
            self._start_cpu(
                keys=[k.cpu_queued, k.cpu_processing, k.cpu_timestamps, k.cpu_attempts],
                args=[doc_id, token, _now_ms(), lock_ttl_s, k.cpu_lock_prefix],
            )
        )
        if attempts < 0:
            return None
        return Claim(doc_id=doc_id, attempts=attempts, token=token, path="cpu")

    def drain_stranded(self, *, max_wait_s: float, no_worker_wait_s: float, limit: int = 1000) -> list[str]:
        """GPU jobs moved to the CPU queue: those waiting over max_wait_s while a GPU worker polls, over
        no_worker_wait_s while none does. A job with no queued time (queued before this existed, or requeued by
        the sweep after its worker died) starts waiting now."""
        k = self.keys
        now = _now_ms()
        moved = self._drain_stranded(
            keys=[k.gpu_queue, k.gpu_queued, k.gpu_enqueued_at, k.gpu_alive, k.cpu_queue, k.cpu_queued],
            args=[now - int(max_wait_s * 1000), now - int(no_worker_wait_s * 1000), limit, now],
        )
        return [_text(doc) for doc in moved]

    def gpu_worker_alive(self) -> bool:
        return bool(self.redis.exists(self.keys.gpu_alive))

    def complete(self, claim: Claim) -> bool:
        return self._end(claim, "complete")

    def release(self, claim: Claim) -> bool:
        """Give the document back to the front of its queue without spending an attempt (shutdown)."""
        return self._end(claim, "release")

    def retry(self, claim: Claim) -> bool:
        return self._end(claim, "retry")

    def fallback_to_cpu(self, claim: Claim) -> bool:
        """The GPU path gives the document to the CPU queue; its GPU attempts are not the user's problem."""
        return self._end(claim, "to_cpu")

    def heartbeat(self, claim: Claim, *, lock_ttl_s: int) -> bool:
        """Renew the lock; False means the lock was lost and this worker must not write its result."""
        timestamps = self.keys.gpu_timestamps if claim.path == "gpu" else self.keys.cpu_timestamps
        renewed = self._heartbeat(
            keys=[timestamps],
            args=[claim.doc_id, claim.token, lock_ttl_s, _now_ms(), self.keys.lock_prefix(claim.path)],
        )
        return bool(renewed)

    def sweep(self, *, lock_ttl_s: int, max_attempts: int) -> SweepResult:
        """Return stalled jobs (worker gone, lock expired) to a queue; report those out of attempts as dead."""
        k = self.keys
        now, ttl_ms = _now_ms(), lock_ttl_s * 1000
        gpu = self._sweep_gpu(
            keys=[k.gpu_queue, k.gpu_queued, k.gpu_processing, k.gpu_timestamps, k.gpu_attempts, k.cpu_queue, k.cpu_queued],
            args=[now, ttl_ms, max_attempts, k.gpu_lock_prefix],
        )
        cpu = self._sweep_cpu(
            keys=[k.cpu_queue, k.cpu_queued, k.cpu_processing, k.cpu_timestamps, k.cpu_attempts],
            args=[now, ttl_ms, max_attempts, k.cpu_lock_prefix],
        )
        gpu_pairs, cpu_pairs = _pairs(gpu), _pairs(cpu)
        return SweepResult(
            gpu_requeued=[doc for doc, where in gpu_pairs if where == "gpu"],
            gpu_to_cpu=[doc for doc, where in gpu_pairs if where == "cpu"],
            cpu_requeued=[doc for doc, where in cpu_pairs if where == "cpu"],
            dead=[doc for doc, where in cpu_pairs if where == "dead"],
        )

    def is_locked(self, doc_id: str) -> bool:
        return bool(self.redis.exists(self.keys.gpu_lock(doc_id), self.keys.cpu_lock(doc_id)))

    def publish_final(self, doc_id: str, status: str, payload: dict[str, Any], *, keep_s: int = 7 * 86400) -> bool:
        """PUBLISH a final result once per (document, status); False when it was already published."""
        marker = f"{self.keys.published_prefix}{doc_id}:{status}"
        sent = self._publish_once(keys=[marker, self.keys.gpu_results], args=[json.dumps(payload, sort_keys=True), keep_s])
        return int(sent) >= 0

    def lengths(self) -> dict[str, int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.llen(self.keys.gpu_queue)
        pipe.llen(self.keys.cpu_queue)
        pipe.scard(self.keys.gpu_processing)
        pipe.llen(self.keys.cpu_processing)
        pipe.llen(self.keys.buli2_queue)
        gpu, cpu, gpu_processing, cpu_processing, buli2 = pipe.execute()
        return {
            "gpu": int(gpu),
            "cpu": int(cpu),
            "gpu_processing": int(gpu_processing),
            "cpu_processing": int(cpu_processing),
            "buli2": int(buli2),
        }

    def _end(self, claim: Claim, outcome: str) -> bool:
        k = self.keys
        timestamps = k.gpu_timestamps if claim.path == "gpu" else k.cpu_timestamps
        attempts = k.gpu_attempts if claim.path == "gpu" else k.cpu_attempts
        done = self._finish(
            keys=[k.gpu_queue, k.gpu_queued, k.gpu_processing, k.cpu_queue, k.cpu_queued, k.cpu_processing, timestamps, attempts],
            args=[claim.doc_id, claim.token, k.lock_prefix(claim.path), outcome, claim.path],
        )
        return bool(done)


def _pairs(flat: list[Any]) -> list[tuple[str, str]]:
    return [(_text(flat[i]), _text(flat[i + 1])) for i in range(0, len(flat), 2)]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
