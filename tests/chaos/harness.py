"""The chaos run (`make chaos`): documents through the real API while workers are SIGKILLed, Redis is
restarted and flushed, and the reviewer goes away; then a phase where the GPU fleet is gone (its workers killed
and never restarted, as a fleet that cannot start) while more documents arrive; then it counts what was lost or
decided twice.

Loopback only, bounded in documents, events and time. Exit status 0 when nothing was lost, nothing was
decided twice and no escalation was duplicated.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

from devtools.devservers import (
    Processes,
    free_port,
    local_environment,
    redis_answers,
    start_local_stack,
    wait_until,
)
from devtools.samples.generate import generate_set
from services.adapters.database import DocumentStore
from services.platform.metrics import BULI2_RETRY_COUNT, CIRCUIT_BREAKER_STATE, RECONCILER_RECOVERIES, read_emf

# Share of each kind of card in the run (clean, degraded, invalid), scaled to --documents.
MIX = (
    ("ktp", "clean", 30),
    ("npwp", "clean", 15),
    ("ktp", "noise", 10),
    ("ktp", "blur", 10),
    ("ktp", "rotate", 5),
    ("ktp", "invalid_nik", 10),
    ("ktp", "malformed_nik", 5),
    ("ktp", "blank", 5),
    ("ktp", "random", 10),
)
WORKERS = ("worker-gpu-1", "worker-gpu-2", "worker-cpu-1")
FINAL = ("approved", "rejected", "failed")


@dataclass
class ChaosLog:
    kills: Counter[str] = field(default_factory=Counter)
    redis_restarts: int = 0
    flushes: int = 0
    reviewer_outages: int = 0
    no_gpu_documents: int = 0
    events: list[str] = field(default_factory=list)

    def note(self, started: float, what: str) -> None:
        line = f"[chaos +{time.monotonic() - started:6.1f}s] {what}"
        self.events.append(line)
        print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos.harness", description=__doc__)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of workers (at least)")
    parser.add_argument("--workdir", type=Path, default=Path("var/chaos"))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the queue to drain")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reviewer-outage", type=float, default=8.0, metavar="SECONDS", help="how long BULI2 is down")
    parser.add_argument(
        "--no-gpu-documents", type=int, default=None, metavar="N",
        help="documents uploaded after the GPU workers are gone for good (default: a tenth of --documents)",
    )
    args = parser.parse_args(argv)
    return run(
        args.documents,
        kills=args.kills,
        workdir=args.workdir.resolve(),
        timeout=args.timeout,
        seed=args.seed,
        reviewer_outage_s=args.reviewer_outage,
        no_gpu_documents=args.no_gpu_documents if args.no_gpu_documents is not None else max(1, args.documents // 10),
    )


def run(
    documents: int,
    *,
    kills: int,
    workdir: Path,
    timeout: float,
    seed: int,
    reviewer_outage_s: float = 8.0,
    no_gpu_documents: int = 0,
) -> int:
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "logs").mkdir(parents=True)
    (workdir / "redis").mkdir()
    rng = random.Random(seed)
    total = sum(n for *_, n in MIX)
    plan = [(kind, variant, max(1, round(n * documents / total))) for kind, variant, n in MIX]
    generated = generate_set(workdir / "samples", seed=seed, plan=plan)
    samples = generated[:documents]
    # The last phase's documents: the same mix again, from the end of the set (a rounding short, from the start).
    later = (generated[documents:] + generated)[:no_gpu_documents]
    ports = {name: free_port() for name in ("redis", "api", "reviewer")}
    api_url = f"http://127.0.0.1:{ports['api']}"
    env = {
        **local_environment(workdir, ports=ports, review_delay_s=0.5),
        "FILOT_BULI2_TIMEOUT_S": "2",
        # Short clocks so stalled work comes back within seconds, not the production minutes.
        "FILOT_LOCK_TTL_S": "3",
        "FILOT_STALE_AFTER_S": "4",
        "FILOT_MAX_ATTEMPTS": "6",
        "FILOT_SHUTDOWN_GRACE_S": "5",
        # One uploader sends every document: lift the per-user and per-address limits for it.
        "FILOT_RATE_LIMIT_USER_PER_MINUTE": "100000",
        "FILOT_RATE_LIMIT_ADDRESS_PER_MINUTE": "100000",
        # A GPU job waits this long while GPU workers poll, this long once none has (production: 120 s, 600 s).
        "FILOT_GPU_QUEUE_MAX_WAIT_S": "20",
        "FILOT_GPU_COLD_START_WAIT_S": "3",
    }
    DocumentStore(env["FILOT_DATABASE_URL"])
    processes = Processes(workdir / "logs")
    aof = ("--appendonly", "yes", "--appendfsync", "always")
    log = ChaosLog()
    started = time.monotonic()
    try:
        start_local_stack(
            processes, env, redis_port=ports["redis"], redis_dir=workdir / "redis", redis_args=aof,
            workers=[(name, "gpu" if "gpu" in name else "cpu") for name in WORKERS], reconcile_every_s=1,
        )
        publishes = PublishCounter(env["FILOT_REDIS_URL"])
        publishes.start()

        uploaded: list[str] = []
        uploader = threading.Thread(target=upload_all, args=(api_url, samples, uploaded), daemon=True)
        uploader.start()
        unleash(processes, log, kills=kills, rng=rng, started=started, redis_port=ports["redis"], total=documents,
                progress=lambda: decided(workdir, uploaded), reviewer_outage_s=reviewer_outage_s)
        uploader.join()
        drained = wait_for_drain(workdir, uploaded, timeout=timeout, started=started)
        if drained is not None and no_gpu_documents:
            drained = without_gpu_workers(
                processes, log, api_url=api_url, samples=later, uploaded=uploaded, workdir=workdir, timeout=timeout,
                started=started,
            )
        publishes.stop()
    finally:
        processes.stop_all()
    return report(
        workdir, uploaded, log, publishes, drained=drained, wall=time.monotonic() - started, total=documents + len(later)
    )


def without_gpu_workers(
    processes: Processes,
    log: ChaosLog,
    *,
    api_url: str,
    samples: list[tuple[Path, object]],
    uploaded: list[str],
    workdir: Path,
    timeout: float,
    started: float,
) -> float | None:
    """The GPU fleet never comes back (a capacity provider that cannot place a task, an image that cannot start
    CUDA): uploads still go to the GPU queue, and the reconciler has to move them to the CPU worker, which is
    killed once on the way."""
    for name in WORKERS:
        if "gpu" in name:
            processes.kill(name)
    log.note(started, f"GPU workers SIGKILLed for good; {len(samples)} more documents arrive")
    before = len(uploaded)
    upload_all(api_url, samples, uploaded)
    log.no_gpu_documents = len(uploaded) - before
    time.sleep(1)
    processes.kill("worker-cpu-1")
    log.kills["worker-cpu-1"] += 1
    processes.restart("worker-cpu-1")
    log.note(started, "SIGKILL worker-cpu-1 while it works alone")
    return wait_for_drain(workdir, uploaded, timeout=timeout, started=started)


def upload_all(api_url: str, samples: list[tuple[Path, object]], out: list[str]) -> None:
    with httpx.Client(base_url=api_url, headers={"X-Dev-User": "chaos"}, timeout=30) as client:
        for path, truth in samples:
            mime = "image/jpeg" if path.suffix == ".jpg" else "image/png"
            for _ in range(20):  # the API stays up; retry only transport errors
                try:
                    response = client.post(
                        "/v1/documents",
                        files={"file": (path.name, path.read_bytes(), mime)},
                        data={"type": truth.doc_type},  # type: ignore[attr-defined]
                    )
                    break
                except httpx.TransportError:
                    time.sleep(0.5)
            else:
                raise RuntimeError("the API stopped answering")
            if response.status_code != 202:
                raise RuntimeError(f"upload refused: {response.status_code} {response.text}")
            out.append(response.json()["id"])
            time.sleep(0.02)


def unleash(
    processes: Processes,
    log: ChaosLog,
    *,
    kills: int,
    rng: random.Random,
    started: float,
    redis_port: int,
    total: int,
    progress: object,
    reviewer_outage_s: float,
) -> None:
    """Kill workers at random moments; along the way restart Redis, flush it, and take the reviewer away."""
    milestones = {max(1, kills // 4): "restart-redis", max(2, kills // 2): "flush", max(3, (3 * kills) // 4): "reviewer"}
    for n in range(1, kills + 1):
        time.sleep(rng.uniform(0.5, 2.5))
        victim = rng.choice(WORKERS)
        processes.kill(victim)
        log.kills[victim] += 1
        processes.restart(victim)
        log.note(started, f"SIGKILL {victim} (kill {n}/{kills}; {progress()}/{total} decided)")  # type: ignore[operator]
        action = milestones.get(n)
        if action == "restart-redis":
            processes.kill("redis")
            log.note(started, "redis-server SIGKILLed; restarting from its append-only file in 2 s")
            time.sleep(2)
            processes.restart("redis")
            wait_until(lambda: redis_answers(redis_port), timeout=20, what="redis-server")
            log.redis_restarts += 1
        elif action == "flush":
            redis.Redis(port=redis_port).flushall()
            log.flushes += 1
            log.note(started, "FLUSHALL: every queue, lock and marker gone")
        elif action == "reviewer":
            processes.kill("reviewer")
            log.note(started, f"reviewer (BULI2) SIGKILLed; back in {reviewer_outage_s:.0f} s")
            time.sleep(reviewer_outage_s)
            processes.restart("reviewer")
            log.reviewer_outages += 1


class PublishCounter(threading.Thread):
    """Counts results published per (document, status), reconnecting across Redis restarts."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: Counter[tuple[str, str]] = Counter()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                pubsub = redis.Redis.from_url(self.url).pubsub()
                pubsub.subscribe("filot:ocr:gpu:results")
                while not self._halt.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message and message["type"] == "message":
                        data = json.loads(message["data"])
                        self.seen[(data["document_id"], data["status"])] += 1
            except redis.RedisError:
                time.sleep(0.5)

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


def decided(workdir: Path, ids: list[str]) -> int:
    return sum(1 for status in statuses(workdir, ids).values() if status in FINAL)


def statuses(workdir: Path, ids: list[str]) -> dict[str, str]:
    with sqlite3.connect(workdir / "filot.db", timeout=30) as db:
        rows = db.execute("SELECT id, status FROM documents").fetchall()
    wanted = set(ids)
    return {doc: status for doc, status in rows if doc in wanted}


def wait_for_drain(workdir: Path, ids: list[str], *, timeout: float, started: float) -> float | None:
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        done = decided(workdir, ids)
        if done != last:
            print(f"[drain +{time.monotonic() - started:6.1f}s] {done}/{len(ids)} decided", flush=True)
            last = done
        if done == len(ids):
            return time.monotonic() - started
        time.sleep(1)
    return None


def emitted_metrics(workdir: Path) -> tuple[int, list[int], int]:
    """BULI2 retries, circuit-breaker state changes and GPU jobs moved to the CPU queue, read back from the EMF
    lines the services printed."""
    retries, states, moved = 0, [], 0
    for log_file in sorted((workdir / "logs").glob("*.log")):
        for point in read_emf(log_file.read_text(errors="replace").splitlines()):
            if point.name == BULI2_RETRY_COUNT:
                retries += int(point.value)
            elif point.name == CIRCUIT_BREAKER_STATE:
                states.append(int(point.value))
            elif point.name == RECONCILER_RECOVERIES and point.dimensions.get("Kind") == "gpu_stranded_to_cpu":
                moved += int(point.value)
    return retries, states, moved


def report(
    workdir: Path, ids: list[str], log: ChaosLog, publishes: PublishCounter, *, drained: float | None, wall: float,
    total: int,
) -> int:
    final = statuses(workdir, ids)
    with sqlite3.connect(workdir / "filot.db", timeout=30) as db:
        events = db.execute("SELECT document_id, from_status, to_status, actor FROM document_events").fetchall()
    with sqlite3.connect(workdir / "reviewer.db", timeout=30) as db:
        cases = db.execute("SELECT key, deliveries FROM cases").fetchall()
    terminal_events = Counter(doc for doc, _, to, _ in events if to in FINAL)
    first_decisions = Counter(doc for doc, src, to, _ in events if src == "scored")
    human_decisions = Counter(doc for doc, _, to, actor in events if to in FINAL and actor.startswith("buli2"))
    case_ids = Counter(key for key, _ in cases)
    lost = [doc for doc in ids if final.get(doc) not in FINAL]
    double = [doc for doc in ids if terminal_events[doc] > 1 or first_decisions[doc] > 1]
    duplicate_escalations = [doc for doc, n in case_ids.items() if n > 1] + [d for d, n in human_decisions.items() if n > 1]
    duplicate_publishes = [key for key, n in publishes.seen.items() if n > 1]
    outcome = Counter(final.values())
    retries, breaker, moved = emitted_metrics(workdir)
    print()
    print(
        f"chaos: {len(ids)}/{total} documents uploaded; {sum(log.kills.values())} worker SIGKILLs "
        f"({', '.join(f'{k} {v}' for k, v in sorted(log.kills.items()))}); {log.redis_restarts} redis restart(s) "
        f"(AOF), {log.flushes} FLUSHALL, {log.reviewer_outages} reviewer outage(s), "
        f"{log.no_gpu_documents} document(s) with no GPU worker"
    )
    print(
        f"outcome: {outcome['approved']} approved, {outcome['rejected']} rejected, {outcome['failed']} failed; "
        f"{len(cases)} escalations ({sum(d - 1 for _, d in cases)} repeated deliveries absorbed by the idempotency key)"
    )
    print(
        f"result: lost={len(lost)} double_decisions={len(double)} duplicate_escalations={len(duplicate_escalations)} "
        f"duplicate_publishes={len(duplicate_publishes)}; "
        + (f"drained in {drained:.1f}s" if drained is not None else "NOT drained before the timeout")
        + f"; wall {wall:.1f}s"
    )
    print(f"buli2: {retries} retries, circuit breaker transitions {breaker or 'none'} (from the services' EMF lines)")
    print(f"gpu queue: {moved} job(s) moved to the CPU queue by the reconciler (recoveries, Kind gpu_stranded_to_cpu)")
    if log.no_gpu_documents and not moved:
        print("the GPU workers were gone, yet nothing was moved to the CPU queue")
        return 1
    ok = drained is not None and not lost and not double and not duplicate_escalations
    if not ok:
        print(f"lost: {lost[:10]} double: {double[:10]} duplicate escalations: {duplicate_escalations[:10]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
