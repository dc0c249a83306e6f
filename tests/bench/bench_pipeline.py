"""The whole pipeline against the bare OCR engine, on the same generated cards in one run (`make bench`).

The cards are uploaded as JPEG (quality 92: what the mobile app sends from a phone camera; `--upload-format
png` for the generator's PNG, which costs the API and the worker a slower decode and re-encode).

1. floor: a PooledEngine of P warm engines (one per vCPU, OMP_THREAD_LIMIT=1) reading the cards' preprocessed
   grey images directly, kept saturated: what Tesseract alone can do on this machine (measured before and after
   the pipeline and the mean used: a shared VM drifts);
2. pipeline: redis-server, the API, the local BULI2 and one GPU-path worker (FILOT_OCR_PROCESSES=P, the default
   in-flight window of P + 1); every card uploaded over HTTP, timed from the first upload to the last decision
   in the database; upload-to-decision from the database's own timestamps; peak RSS of the worker's process
   tree; CPU seconds per document of each process, to show where the time goes;
3. naive: the obvious code, one process calling pytesseract with Tesseract's default OpenMP threading, on a
   subset (it is several times slower);
4. cold start: a new worker process, started with a document waiting, until it claims that document;
5. split (unless --no-split): the worker and its engines alone on all vCPUs but one, everything else on that
   one, against as many bare engines on the same vCPUs: the worker's own overhead, as deployed;
6. sweep (--sweep): batches of 50 and 200 queued documents (1000 with --sweep-large) through 1, 2 and 4 worker
   processes (P // workers engines each, at least one): time should grow with documents, memory should not.

Prints a table and writes var/bench/pipeline.json (the capacity model reads it; keep its keys).
Run: `python -m tests.bench.bench_pipeline [--cards 200] [--processes P] [--sweep] [--sweep-large]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import psutil

from devtools.samples.generate import generate_set
from devtools.samples.truth import DEGRADED_VARIANTS, DOC_TYPES
from services.adapters.ocr import EngineSpec
from services.adapters.ocr_pool import PooledEngine, timed_read_lines_in_engine
from services.core.fields import extract_fields
from services.core.model import DocType, OcrLine
from services.pipeline.preprocess import decode_image
from services.pipeline.refine import needs_second_look
from services.platform.settings import DEFAULT_MAX_IMAGE_PIXELS
from tests.bench.pipeline_platform import (
    UPLOADERS,
    Batch,
    OtherLoad,
    cpu_count,
    doc_type_of,
    machine,
    platform_running,
    run_batch,
    say,
)

LANG, PSM, CARD_WIDTH = "ind+eng", 6, 1000  # the production defaults (services/platform/settings.py)
PHONE_JPEG_QUALITY = 92
# --- cards -----------------------------------------------------------------------------------------------


def make_cards(out: Path, *, count: int, seed: int, upload_format: str = "jpeg") -> list[Path]:
    """`count` cards cycling through every document type and readable variant (clean and the degradations),
    as the files a client uploads: JPEG (quality 92, what a phone camera writes) or the generator's PNG."""
    kinds = [(doc_type, variant) for variant in ("clean", *DEGRADED_VARIANTS) for doc_type in DOC_TYPES]
    per_kind = -(-count // len(kinds))
    written = generate_set(out, seed=seed, plan=[(d, v, per_kind) for d, v in kinds])
    by_kind: dict[tuple[str, str], list[Path]] = {}
    for path, truth in written:
        by_kind.setdefault((truth.doc_type, truth.variant), []).append(path)
    interleaved = [by_kind[kind][i] for i in range(per_kind) for kind in kinds][:count]
    return interleaved if upload_format == "png" else [as_jpeg(path) for path in interleaved]


def as_jpeg(png: Path) -> Path:
    jpeg = png.with_suffix(".jpg")
    image = cv2.imread(str(png), cv2.IMREAD_COLOR)
    cv2.imwrite(str(jpeg), image, [cv2.IMWRITE_JPEG_QUALITY, PHONE_JPEG_QUALITY])
    return jpeg


def preprocessed(cards: Sequence[Path], *, backend: str) -> list[np.ndarray]:
    """What the GPU-path worker hands the engine: the kernel chain (CUDA, or its CPU twins without a GPU)."""
    from services.kernels.dispatch import KernelPreprocessor

    kernels = KernelPreprocessor(backend=backend, card_width=CARD_WIDTH)
    kernels.warm_up()
    return [kernels(decode_image(p.read_bytes(), max_pixels=DEFAULT_MAX_IMAGE_PIXELS), card_width=CARD_WIDTH)[0] for p in cards]


# --- floor and naive -------------------------------------------------------------------------------------


def measure_floor(
    grays: Sequence[np.ndarray], *, processes: int, cpus: set[int] | None = None
) -> tuple[float, float, list[list[OcrLine]]]:
    """docs/s of P warm engines kept busy (2P callers), the median engine time per document in ms, and what
    each card read. With `cpus`, the engine processes run only on those vCPUs."""
    pool = PooledEngine(EngineSpec(kind="tesserocr", lang=LANG, psm=PSM, timeout_s=60), processes=processes)
    if cpus:
        for pid in pool.pids():
            os.sched_setaffinity(pid, cpus)
    try:
        pool.warm_up()
        with ThreadPoolExecutor(2 * processes) as callers, OtherLoad([psutil.Process()]) as load:
            started = time.perf_counter()
            results = list(callers.map(lambda g: pool.run_in_engine(timed_read_lines_in_engine, g), grays))
            seconds = time.perf_counter() - started
    finally:
        pool.close()
    if load.share > 0.05:
        say(f"warning: other processes used {load.share:.0%} of the machine's CPU during the floor run")
    return len(grays) / seconds, statistics.median(s for _, s in results) * 1000, [lines for lines, _ in results]


def second_looks(cards: Sequence[Path], reads: Sequence[list[OcrLine]]) -> int:
    """Cards whose whole-card read leaves a NIK/NPWP malformed: the pipeline reads that line again (the floor
    does not), so this is extra engine work the pipeline does on these cards."""
    count = 0
    for card, lines in zip(cards, reads, strict=True):
        doc_type = DocType(doc_type_of(card))
        count += bool(needs_second_look(doc_type, extract_fields(doc_type, lines)))
    return count


def measure_naive(grays: Sequence[np.ndarray], *, workdir: Path) -> float:
    """docs/s of one process calling pytesseract per card, Tesseract's default OpenMP threading."""
    folder = workdir / "naive"
    folder.mkdir(parents=True, exist_ok=True)
    for i, gray in enumerate(grays):
        np.save(folder / f"{i:04d}.npy", gray)
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}  # this subprocess only
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_pipeline", "--naive-child", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def naive_child(folder: Path) -> None:
    import pytesseract

    grays = [np.load(path) for path in sorted(folder.glob("*.npy"))]
    started = time.perf_counter()
    for gray in grays:
        pytesseract.image_to_data(gray, lang=LANG, config=f"--psm {PSM}", output_type=pytesseract.Output.DICT)
    print(len(grays) / (time.perf_counter() - started))


# --- the platform ----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def measure_pipeline(
    cards: Sequence[Path], *, processes: int, workdir: Path, extra_env: dict[str, str] | None = None
) -> tuple[Batch, float]:
    """The measured batch and the cold start (worker process start -> its first claim), in seconds."""
    with platform_running(workdir) as platform_:
        first, _ = platform_.upload(cards[0])  # waiting before the worker exists: its first claim is timed
        started = time.time()
        worker = platform_.start_worker("worker", engine_processes=processes, extra_env=extra_env)
        cold_start = platform_.first_claim(first, timeout_s=120) - started
        platform_.wait_decided([first], timeout_s=60)
        return run_batch(platform_, cards, [worker]), cold_start


def measure_split(cards: Sequence[Path], grays: Sequence[np.ndarray], *, workdir: Path) -> dict[str, object] | None:
    """The deployed split on one machine: the worker and its engines alone on every vCPU but the first, and
    redis-server, the API, the reviewer and the uploaders on the first (in production the API runs on its own
    Fargate tasks and the phones are elsewhere). Compared with the same number of bare engines on the same
    vCPUs, measured before and after. None on a machine with one vCPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    service_cpus, worker_cpus = {cpus[0]}, set(cpus[1:])
    engines = len(worker_cpus)
    own = os.sched_getaffinity(0)
    # This process stays off the worker's vCPUs throughout: in the floor it only feeds the engines (its threads
    # must not take the engines' time), in the pipeline it uploads, standing in for the phones.
    os.sched_setaffinity(0, service_cpus)
    try:
        floor_before, _, _ = measure_floor(grays, processes=engines, cpus=worker_cpus)
        with platform_running(workdir, service_cpus=service_cpus) as platform_:
            worker = platform_.start_worker("worker", engine_processes=engines, cpus=worker_cpus)
            warm, _ = platform_.upload(cards[0])
            platform_.wait_decided([warm], timeout_s=120)
            batch = run_batch(platform_, cards, [worker])
        floor_after, _, _ = measure_floor(grays, processes=engines, cpus=worker_cpus)
    finally:
        os.sched_setaffinity(0, own)
    floor = (floor_before + floor_after) / 2
    return {
        "worker_cpus": sorted(worker_cpus),
        "service_cpus": sorted(service_cpus),
        "engine_processes": engines,
        "floor_docs_per_s": round(floor, 3),
        "floor_runs_docs_per_s": [round(floor_before, 3), round(floor_after, 3)],
        "pipeline_docs_per_s": round(batch.docs_per_s, 3),
        "pipeline_over_floor": round(batch.docs_per_s / floor, 3),
        # Drift-free cross-check of the ratio: the engines' share of the CPU the worker's vCPUs spent.
        "engine_share_of_worker_cpus": round(
            batch.cpu_s_per_doc["ocr engines"] / (batch.cpu_s_per_doc["ocr engines"] + batch.cpu_s_per_doc["worker main"]), 3
        ),
        "cpu_ms_per_doc": {name: round(seconds * 1000, 1) for name, seconds in batch.cpu_s_per_doc.items()},
    }


def measure_sweep(
    cards: Sequence[Path], *, processes: int, sizes: Sequence[int], worker_counts: Sequence[int], workdir: Path
) -> list[dict[str, float | int]]:
    rows: list[dict[str, float | int]] = []
    for workers in worker_counts:
        with platform_running(workdir / f"workers-{workers}") as platform_:
            engines = max(1, processes // workers)
            started = [platform_.start_worker(f"worker-{n}", engine_processes=engines) for n in range(workers)]
            warm, _ = platform_.upload(cards[0])  # every worker up and one document through before timing
            platform_.wait_decided([warm], timeout_s=120)
            time.sleep(1.0)
            for size in sizes:
                batch_cards = [cards[i % len(cards)] for i in range(size)]
                batch = run_batch(platform_, batch_cards, started)
                rows.append(
                    {
                        "documents": size,
                        "workers": workers,
                        "docs_per_s": round(batch.docs_per_s, 3),
                        "seconds": round(batch.seconds, 2),
                        "peak_rss_mb": round(batch.peak_rss_mb, 1),
                    }
                )
                say(
                    f"sweep: {workers} worker(s) x {engines} engine(s), {size} documents: {batch.seconds:.1f} s, "
                    f"{batch.docs_per_s:.2f} docs/s, peak RSS per worker {batch.peak_rss_mb:.0f} MB"
                )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=200, help="cards through floor and pipeline (default 200)")
    parser.add_argument("--processes", type=int, default=cpu_count(), help="engine processes (default: vCPUs)")
    parser.add_argument("--naive-cards", type=int, default=20, help="cards for the naive baseline (default 20)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--upload-format",
        choices=("jpeg", "png"),
        default="jpeg",
        help="what the clients upload: jpeg (default, as the mobile app sends camera photos) or png",
    )
    parser.add_argument("--sweep", action="store_true", help="also the scaling sweep: 50 and 200 documents x 1, 2, 4 workers")
    parser.add_argument("--sweep-large", action="store_true", help="add 1000-document batches to the sweep (minutes)")
    parser.add_argument(
        "--no-split", action="store_true", help="skip the run with the worker on its own vCPUs (about 1.5 minutes)"
    )
    parser.add_argument("--workdir", type=Path, default=Path("var/bench/pipeline"))
    parser.add_argument("--out", type=Path, default=Path("var/bench/pipeline.json"))
    parser.add_argument("--naive-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.naive_child:
        naive_child(args.naive_child)
        return 0

    workdir: Path = args.workdir.resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    say(f"{machine()}; {args.processes} engine processes; generating {args.cards} cards ({args.upload_format})")
    cards = make_cards(workdir / "cards", count=args.cards, seed=args.seed, upload_format=args.upload_format)
    grays = preprocessed(cards, backend=os.environ.get("FILOT_KERNEL_BACKEND", "auto"))

    say("floor: bare warm engines on the preprocessed cards")
    floor_before, ocr_ms, reads = measure_floor(grays, processes=args.processes)
    rereads = second_looks(cards, reads)
    say(f"floor: {floor_before:.2f} docs/s, engine {ocr_ms:.0f} ms per card (median)")
    say(f"{rereads} of {len(cards)} cards need the NIK/NPWP line read again in the pipeline (one single-line read each)")
    say("pipeline: API upload -> queue -> worker -> decision in the database")
    batch, cold_start = measure_pipeline(cards, processes=args.processes, workdir=workdir / "platform")
    say(f"pipeline: {batch.docs_per_s:.2f} docs/s; cold start {cold_start:.2f} s")
    # A shared VM's speed drifts by 10% within minutes: the floor is measured on both sides of the pipeline
    # and their mean is what the pipeline is compared with.
    floor_after, _, _ = measure_floor(grays, processes=args.processes)
    floor = (floor_before + floor_after) / 2
    say(f"floor again: {floor_after:.2f} docs/s (mean {floor:.2f})")
    split = None
    if not args.no_split:
        say("split: worker + engines on their own vCPUs, the API, Redis, BULI2 and uploaders on another")
        split = measure_split(cards, grays, workdir=workdir / "split")
        if split is None:
            say("split: skipped, this machine has one vCPU")
        else:
            say(
                f"split: floor {split['floor_docs_per_s']:.2f}, pipeline {split['pipeline_docs_per_s']:.2f} docs/s "
                f"({split['pipeline_over_floor']:.3f})"
            )
    naive_cards = min(args.naive_cards, len(grays))
    say(f"naive: one pytesseract process, default OpenMP threads, {naive_cards} cards")
    naive = measure_naive(grays[:naive_cards], workdir=workdir)

    sweep: list[dict[str, float | int]] = []
    if args.sweep or args.sweep_large:
        sizes = [50, 200, 1000] if args.sweep_large else [50, 200]
        if not args.sweep_large:
            say("sweep: batches of 50 and 200 documents (1000-document batches with --sweep-large)")
        sweep = measure_sweep(
            cards, processes=args.processes, sizes=sizes, worker_counts=(1, 2, 4), workdir=workdir / "sweep"
        )

    result = {
        "machine": machine(),
        "cpus": cpu_count(),
        "engine_processes": args.processes,
        "cards": len(cards),
        "upload_format": args.upload_format,
        "floor_docs_per_s": round(floor, 3),
        "floor_runs_docs_per_s": [round(floor_before, 3), round(floor_after, 3)],
        "engine_cpu_share": round(batch.cpu_s_per_doc["ocr engines"] / sum(batch.cpu_s_per_doc.values()), 3),
        "drain_docs_per_s": None if batch.drain_docs_per_s is None else round(batch.drain_docs_per_s, 3),
        "pipeline_docs_per_s": round(batch.docs_per_s, 3),
        "naive_docs_per_s": round(naive, 3),
        "pipeline_over_floor": round(batch.docs_per_s / floor, 3),
        "pipeline_over_naive": round(batch.docs_per_s / naive, 3),
        "p50_upload_to_decision_s": round(percentile(batch.latencies_s, 50), 3),
        "p95_upload_to_decision_s": round(percentile(batch.latencies_s, 95), 3),
        "peak_rss_mb_per_worker": round(batch.peak_rss_mb, 1),
        "cold_start_s": round(cold_start, 3),
        "ocr_ms_per_doc_p50": round(ocr_ms, 1),
        "sweep": sweep,
        "split": split,
    }
    print_report(result, batch, rereads=rereads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"written to {args.out}")
    return 0


def print_report(result: dict, batch: Batch, *, rereads: int) -> None:  # type: ignore[type-arg]
    print()
    print(f"Pipeline vs bare engine: {result['machine']}")
    print(
        f"{result['cards']} cards uploaded as {result['upload_format'].upper()}, {result['engine_processes']} engine "
        "processes (tesserocr, OMP_THREAD_LIMIT=1)"
    )
    print(f"  {'':<44} {'docs/s':>8}")
    before, after = result["floor_runs_docs_per_s"]
    print(
        f"  {'floor (warm engines, no pipeline)':<44} {result['floor_docs_per_s']:8.2f}  "
        f"(mean of {before:.2f} before and {after:.2f} after the pipeline)"
    )
    print(f"  {'pipeline (upload -> decision in database)':<44} {result['pipeline_docs_per_s']:8.2f}")
    print(f"  {'naive (one pytesseract process, OpenMP)':<44} {result['naive_docs_per_s']:8.2f}")
    print(f"  pipeline / floor: {result['pipeline_over_floor']:.3f}    pipeline / naive: {result['pipeline_over_naive']:.2f}")
    if batch.drain_docs_per_s is not None:
        print(
            f"  after the last upload (API idle), the worker drained at {batch.drain_docs_per_s:.2f} docs/s "
            f"({batch.drain_docs_per_s / result['floor_docs_per_s']:.3f} of the floor)"
        )
    print(
        f"  upload -> decision: p50 {result['p50_upload_to_decision_s']:.2f} s, p95 {result['p95_upload_to_decision_s']:.2f} s "
        f"(all {result['cards']} uploaded at once by {UPLOADERS} clients)"
    )
    print(
        f"  engine time per card (median): {result['ocr_ms_per_doc_p50']:.0f} ms; NIK/NPWP line read again on "
        f"{rereads} of {result['cards']} cards"
    )
    split = result["split"]
    if split:
        cpu_ms = split["cpu_ms_per_doc"]
        print(
            f"  worker on its own vCPU(s) {split['worker_cpus']} with {split['engine_processes']} engine(s), the API, "
            f"Redis, BULI2 and uploaders on {split['service_cpus']} (as deployed): floor {split['floor_docs_per_s']:.2f}, "
            f"pipeline {split['pipeline_docs_per_s']:.2f} docs/s, pipeline / floor {split['pipeline_over_floor']:.3f}; "
            f"CPU per document on the worker's vCPUs: engines {cpu_ms['ocr engines']:.0f} ms, worker main "
            f"{cpu_ms['worker main']:.1f} ms (engines' share {split['engine_share_of_worker_cpus']:.3f})"
        )
    print(f"  peak RSS, worker process tree: {result['peak_rss_mb_per_worker']:.0f} MB")
    print(f"  cold start (worker process start -> first document claimed): {result['cold_start_s']:.2f} s")
    total = sum(batch.cpu_s_per_doc.values())
    print(
        f"  CPU per document in the pipeline run, by process ({total * 1000:.0f} ms in all; with every process on "
        f"the same {result['cpus']} vCPUs, pipeline / floor cannot exceed the engines' share, "
        f"{result['engine_cpu_share']:.3f}):"
    )
    for name, seconds in sorted(batch.cpu_s_per_doc.items(), key=lambda item: -item[1]):
        print(f"    {name:<14} {seconds * 1000:7.1f} ms  {seconds / total:6.1%}")
    if result["sweep"]:
        print("  scaling sweep (documents queued through the API while the workers run):")
        print(f"    {'workers':>7} {'documents':>9} {'seconds':>8} {'docs/s':>7} {'peak RSS MB/worker':>19}")
        for row in result["sweep"]:
            print(
                f"    {row['workers']:>7} {row['documents']:>9} {row['seconds']:>8.1f} {row['docs_per_s']:>7.2f} "
                f"{row['peak_rss_mb']:>19.0f}"
            )
    print()


if __name__ == "__main__":
    sys.exit(main())
