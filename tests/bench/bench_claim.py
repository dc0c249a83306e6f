"""Claim + complete per second: the atomic Lua path against plain LPOP + SADD (+ SREM), same server, same run.

Run with `make bench` (or `python -m tests.bench.bench_claim`). The Lua path is chosen for atomicity; this
shows what it costs (or saves) in round trips.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from devtools.devservers import free_port, redis_answers, redis_argv, stop, wait_until
from services.adapters.queue import OcrQueue, QueueKeys


def lua_path(queue: OcrQueue, n: int) -> float:
    for i in range(n):
        queue.enqueue_gpu(f"doc-{i}")
    started = time.perf_counter()
    for i in range(n):
        claim = queue.claim_gpu(token=f"t{i}", lock_ttl_s=600)
        assert claim is not None
        queue.complete(claim)
    return n / (time.perf_counter() - started)


def plain_path(client: redis.Redis, keys: QueueKeys, n: int) -> float:
    client.rpush(keys.gpu_queue, *[f"doc-{i}" for i in range(n)])
    started = time.perf_counter()
    for _ in range(n):
        doc = client.lpop(keys.gpu_queue)
        client.sadd(keys.gpu_processing, doc)  # type: ignore[arg-type]
        client.srem(keys.gpu_processing, doc)  # type: ignore[arg-type]
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        server = subprocess.Popen(redis_argv(port, workdir=Path(workdir)), stdout=subprocess.DEVNULL)
        try:
            wait_until(lambda: redis_answers(port), timeout=20, what="redis-server")
            client = redis.Redis(port=port)
            queue = OcrQueue(client, keys=QueueKeys.for_prefix("bench"))
            lua, plain = [], []
            for _ in range(args.rounds):
                client.flushall()
                lua.append(lua_path(queue, args.jobs))
                client.flushall()
                plain.append(plain_path(client, queue.keys, args.jobs))
            best_lua, best_plain = max(lua), max(plain)
            print(f"claim+complete, {args.jobs} jobs, best of {args.rounds}, one client, loopback redis-server")
            print(f"  Lua (enqueue-idempotent claim: LPOP+SREM+SET NX EX+SADD+HSET+HINCRBY; holder-checked finish): "
                  f"{best_lua:8.0f} jobs/s")
            print(f"  plain LPOP + SADD + SREM (no lock, no attempts, not atomic):                          "
                  f"{best_plain:8.0f} jobs/s")
            print(f"  ratio Lua/plain: {best_lua / best_plain:.2f}")
        finally:
            stop(server)


if __name__ == "__main__":
    main()
