"""The platform the pipeline bench drives: redis-server, the API, the local BULI2 and workers on loopback, with
the measurements taken around a batch of uploads (throughput, upload-to-decision, peak RSS, CPU by process,
and how much of the machine other processes used meanwhile)."""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

import httpx
import psutil

from devtools.devservers import (
    Processes,
    free_port,
    local_environment,
    start_local_stack,
)
from services.adapters.database import DocumentStore
from services.core.lifecycle import Status

DECIDED = ("approved", "rejected", "needs_review", "failed")
PENDING = (Status.UPLOADED, Status.QUEUED, Status.PROCESSING, Status.SCORED)
UPLOADERS = 2  # concurrent HTTP clients
_USER = "bench-user"


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    memory_gib = psutil.virtual_memory().total / 2**30
    return f"{cpu_count()} vCPU {model}, {memory_gib:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))


def system_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (every process, ours and others)."""
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + times.irq + times.softirq + getattr(times, "steal", 0.0))


class OtherLoad:
    """Share of the machine's CPU that processes outside the measurement used while it ran (another job on a
    shared machine skews every figure here; the report says how much)."""

    def __init__(self, ours: list[psutil.Process]) -> None:
        self.ours = list({member.pid: member for process in ours for member in tree(process)}.values())

    def __enter__(self) -> Self:
        self.busy, self.mine, self.wall = system_busy_s(), self._mine(), time.monotonic()
        return self

    def __exit__(self, *_: object) -> None:
        wall = time.monotonic() - self.wall
        others = (system_busy_s() - self.busy) - (self._mine() - self.mine)
        self.share = max(0.0, others) / (wall * cpu_count())

    def _mine(self) -> float:
        total = 0.0
        for process in self.ours:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total


def doc_type_of(path: Path) -> str:
    return path.name.split("-", 1)[0]


def say(message: str) -> None:
    print(f"bench_pipeline: {message}", flush=True)


@dataclass
class Batch:
    documents: int
    seconds: float
    docs_per_s: float
    latencies_s: list[float]
    drain_docs_per_s: float | None
    peak_rss_mb: float  # the largest worker's process tree
    cpu_s_per_doc: dict[str, float] = field(default_factory=dict)
    other_load: float = 0.0  # share of the machine's CPU used by processes outside the run


def tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in tree(process):
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


class RssSampler:
    """Peak RSS of each worker's process tree, sampled every 0.1 s while a batch runs."""

    def __init__(self, workers: Sequence[psutil.Process]) -> None:
        self.workers = workers
        self.peak = [0] * len(workers)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, worker in enumerate(self.workers):
                self.peak[i] = max(self.peak[i], tree_rss(worker))
            self._stop.wait(0.1)


class Platform:
    """redis-server, the API and the local BULI2 on loopback in `workdir`; workers started and stopped on demand."""

    def __init__(self, workdir: Path, *, service_cpus: set[int] | None = None) -> None:
        """`service_cpus`: pin redis-server, the API and the reviewer to these vCPUs (None: anywhere)."""
        self.workdir = workdir
        self.service_cpus = service_cpus
        (workdir / "logs").mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in ("redis", "api", "reviewer")}
        self.env = local_environment(workdir, ports=self.ports, review_delay_s=0.0)
        self.env.update(
            {
                "FILOT_RATE_LIMIT_USER_PER_MINUTE": "1000000",
                "FILOT_RATE_LIMIT_ADDRESS_PER_MINUTE": "1000000",
                "FILOT_OCR_ENGINE": "tesserocr",
                "FILOT_KERNEL_BACKEND": os.environ.get("FILOT_KERNEL_BACKEND", "auto"),
            }
        )
        self.env.pop("FILOT_WORKER_CONCURRENCY", None)  # the default window: engine processes + 1
        self.store = DocumentStore(self.env["FILOT_DATABASE_URL"])  # schema first: the services do not race
        self.processes = Processes(workdir / "logs")
        self.py = [sys.executable, "-m", "services"]
        self.pids: dict[str, int] = {}

    def _start(self, name: str, argv: list[str], env: dict[str, str], cpus: set[int] | None = None) -> psutil.Process:
        if cpus:
            argv = ["taskset", "--cpu-list", ",".join(str(cpu) for cpu in sorted(cpus)), *argv]  # taskset execs: same pid
        self.pids[name] = self.processes.start(name, argv, env).pid
        return psutil.Process(self.pids[name])

    def start(self) -> None:
        """The local stack's services on the service vCPUs; the workers come later (start_worker), each on its own."""
        start_local_stack(
            self.processes, self.env, redis_port=self.ports["redis"], redis_dir=self.workdir, workers=(),
            reconcile_every_s=None, launch=lambda name, argv, env: self._start(name, argv, env, self.service_cpus),
        )

    def stop(self) -> None:
        self.processes.stop_all()

    def start_worker(
        self,
        name: str,
        *,
        engine_processes: int,
        extra_env: dict[str, str] | None = None,
        cpus: set[int] | None = None,
    ) -> psutil.Process:
        """A GPU-path worker; with `cpus`, it and the engine processes it starts run only on those vCPUs."""
        env = {**self.env, "FILOT_OCR_PROCESSES": str(engine_processes), **(extra_env or {})}
        return self._start(name, [*self.py, "worker", "--path", "gpu"], env, cpus)

    def process(self, name: str) -> psutil.Process:
        return psutil.Process(self.pids[name])

    def upload(self, card: Path) -> tuple[str, float]:
        """The document id and when its upload started (epoch seconds)."""
        with Uploader(self.env["FILOT_API_URL"]) as uploader:
            return uploader.send(*upload_request(card))

    def upload_all(self, cards: Sequence[Path]) -> tuple[list[str], float, float]:
        """Document ids in upload order, the first upload's start and the last upload's end (epoch seconds).

        The requests are encoded before the clock starts and sent on one keep-alive connection per uploader
        with the standard library's client: the uploaders stand in for phones, which are not on the machine
        being measured, so they should take as little of its CPU as they can."""
        requests = [upload_request(card) for card in cards]
        chunks = [requests[n::UPLOADERS] for n in range(UPLOADERS)]

        def upload_chunk(chunk: list[tuple[str, bytes, str]]) -> list[tuple[str, float]]:
            with Uploader(self.env["FILOT_API_URL"]) as uploader:
                return [uploader.send(*request) for request in chunk]

        with ThreadPoolExecutor(UPLOADERS) as pool:
            sent = list(pool.map(upload_chunk, chunks))
        results = [sent[n % UPLOADERS][n // UPLOADERS] for n in range(len(requests))]  # back in upload order
        return [doc for doc, _ in results], min(t for _, t in results), time.time()

    def wait_decided(self, docs: Sequence[str], *, timeout_s: float, stall_s: float = 60.0) -> None:
        """Poll the database (one count by status a quarter second) until no document awaits a decision; fail
        early when nothing has moved for `stall_s` (a stuck document would otherwise wait for the timeout)."""
        deadline = time.monotonic() + timeout_s
        last, moved_at = -1, time.monotonic()
        while time.monotonic() < deadline:
            self.processes.check_alive()
            counts = self.store.count_by_status()
            pending = sum(counts[status] for status in PENDING)
            if pending == 0:
                return
            if pending != last:
                last, moved_at = pending, time.monotonic()
            elif time.monotonic() - moved_at > stall_s:
                stuck = {r.id: r.status.value for r in self.store.by_status(list(PENDING), limit=20)}
                raise RuntimeError(f"{pending} documents stopped moving for {stall_s:.0f}s: {stuck}")
            time.sleep(0.25)
        raise RuntimeError(f"{len(docs)} documents not all decided within {timeout_s:.0f}s")

    def decision_times(self, docs: Sequence[str]) -> dict[str, tuple[float, float]]:
        """Per document: created (upload recorded) and first decision, epoch seconds, from the database."""
        times: dict[str, tuple[float, float]] = {}
        for doc in docs:
            record = self.store.get(doc)
            assert record is not None
            decided = next(e["at"] for e in self.store.history(doc) if e["to_status"] in DECIDED)
            times[doc] = (_epoch(record.created_at), _epoch(decided))
        return times

    def first_claim(self, doc: str, *, timeout_s: float) -> float:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.processes.check_alive()
            claimed = [e["at"] for e in self.store.history(doc) if e["to_status"] == "processing"]
            if claimed:
                return _epoch(claimed[0])
            time.sleep(0.02)
        raise RuntimeError(f"no worker claimed {doc} within {timeout_s:.0f}s")


class Uploader:
    """One keep-alive HTTP connection to the API posting prepared uploads as the bench user."""

    def __init__(self, api_url: str) -> None:
        address = urlsplit(api_url)
        self.connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def send(self, name: str, body: bytes, content_type: str) -> tuple[str, float]:
        started = time.time()
        self.connection.request(
            "POST", "/v1/documents", body=body, headers={"Content-Type": content_type, "X-Dev-User": _USER}
        )
        response = self.connection.getresponse()
        answer = response.read()
        if response.status != 202:
            raise RuntimeError(f"upload of {name} refused: {response.status} {answer[:300]!r}")
        return str(json.loads(answer)["id"]), started


def upload_request(card: Path) -> tuple[str, bytes, str]:
    """(card name, multipart body, its content type) of the mobile app's upload of this card."""
    mime = "image/jpeg" if card.suffix == ".jpg" else "image/png"
    request = httpx.Request(
        "POST", "http://bench/", files={"file": (card.name, card.read_bytes(), mime)}, data={"type": doc_type_of(card)}
    )
    return card.name, request.read(), request.headers["Content-Type"]


def _epoch(value: object) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def run_batch(platform_: Platform, cards: Sequence[Path], workers: Sequence[psutil.Process]) -> Batch:
    """Upload every card while the workers run; returns throughput, latencies, peak RSS and CPU per document."""
    watched = {
        "ocr engines": [child for w in workers for child in tree(w)[1:]],
        "worker main": list(workers),
        "api": [platform_.process("api")],
        "reviewer": [platform_.process("reviewer")],
        "redis": [platform_.process("redis")],
        "bench client": [psutil.Process()],
    }

    def cpu() -> dict[str, float]:
        out: dict[str, float] = {}
        for name, members in watched.items():
            total = 0.0
            for member in members:
                try:
                    times = member.cpu_times()
                    total += times.user + times.system
                except psutil.NoSuchProcess:
                    pass
            out[name] = total
        return out

    before = cpu()
    ours = [member for members in watched.values() for member in members]
    with RssSampler(workers) as rss, OtherLoad(ours) as load:
        docs, first_upload, last_upload = platform_.upload_all(cards)
        platform_.wait_decided(docs, timeout_s=60 + 10 * len(docs))
    after = cpu()
    if load.share > 0.05:
        say(f"warning: other processes used {load.share:.0%} of the machine's CPU during this batch")
    times = platform_.decision_times(docs)
    last_decision = max(decided for _, decided in times.values())
    seconds = last_decision - first_upload
    tail = sorted(decided for _, decided in times.values() if decided > last_upload)
    drain = (len(tail) - 1) / (tail[-1] - tail[0]) if len(tail) > 10 else None
    return Batch(
        documents=len(docs),
        seconds=seconds,
        docs_per_s=len(docs) / seconds,
        latencies_s=[decided - created for created, decided in times.values()],
        drain_docs_per_s=drain,
        peak_rss_mb=max(rss.peak) / 2**20,
        cpu_s_per_doc={name: (after[name] - before[name]) / len(docs) for name in watched},
        other_load=load.share,
    )


@contextmanager
def platform_running(workdir: Path, *, service_cpus: set[int] | None = None) -> Iterator[Platform]:
    if workdir.exists():
        shutil.rmtree(workdir)
    running = Platform(workdir, service_cpus=service_cpus)
    running.start()
    try:
        yield running
    finally:
        running.stop()
