"""`python -m devtools demo` (what `make run` runs): the whole platform on this machine, end to end.

Starts a private redis-server, the API, a GPU-path and a CPU-path worker and the local BULI2, uploads
generated sample cards over HTTP, follows them to a decision, prints a table, and stops everything; then sums
up the metrics the services emitted (their EMF lines, in the logs) as CloudWatch would see them. The built web app
(web/dist) is served beside the API; with --serve (what `make run` passes) everything stays up after the run, so a
person can verify a sample card by hand in a browser, until Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from devtools.devservers import (
    Processes,
    free_port,
    local_environment,
    start_local_stack,
)
from devtools.samples.generate import generate_set
from devtools.samples.truth import SampleTruth
from devtools.webapp import WEB_DIST
from services.adapters.database import DocumentStore
from services.platform.metrics import (
    BULI2_RETRY_COUNT,
    CIRCUIT_BREAKER_STATE,
    DECISION,
    DECISIONS,
    DOCUMENT_DECISION_TIME_MS,
    DOCUMENTS_DECIDED,
    GPU_FALLBACKS,
    GPU_PROCESSING_TIME_MS,
    GPU_WORKER_NAMESPACE,
    HTTP_REQUEST_DURATION_MS,
    KIND,
    OCR_FAILURES,
    REASON,
    RECONCILER_RECOVERIES,
    REVIEW_DECISIONS,
    REVIEWS_DECIDED,
    MetricPoint,
    read_emf,
)

_FINAL = ("approved", "rejected", "failed")
# Each sample card is a different person: each is uploaded by its own account (one person's KTP and another's NPWP
# under one account would contradict each other, which the identity checks send to a person).
_USER = "demo-user"


@dataclass
class Tracked:
    path: Path
    truth: SampleTruth
    doc_id: str | None = None
    uploaded_at: float = 0.0
    owner: str = ""
    finished_at: float | None = None
    status: str = "pending"
    score: float | None = None
    error: str | None = None
    escalated: bool = False
    clicked: str | None = None
    capture: tuple[str, ...] = ()  # the photo's capture codes, what the app would show


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("demo", help="run the whole pipeline locally on generated sample cards")
    parser.add_argument("--workdir", type=Path, default=Path("var/demo"), help="state, logs and samples (recreated)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the sample set")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every decision")
    parser.add_argument(
        "--review-delay",
        type=float,
        help="let the local BULI2 decide by itself after SECONDS (default: the demo decides on its web page)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="after the run, keep the platform and the web app up for use in a browser until Ctrl-C",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    workdir: Path = args.workdir.resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "logs").mkdir(parents=True)
    started = time.monotonic()

    say(f"generating sample cards in {workdir / 'samples'}")
    samples = generate_set(workdir / "samples", seed=args.seed)

    names = ("redis", "api", "reviewer", "web") if (WEB_DIST / "index.html").is_file() else ("redis", "api", "reviewer")
    if "web" not in names:
        say(f"the web app is not built ({WEB_DIST} missing: make web-build); running without it")
    ports = {name: free_port() for name in names}
    env = local_environment(workdir, ports=ports, review_delay_s=args.review_delay)
    DocumentStore(env["FILOT_DATABASE_URL"])  # schema first, so the services do not race to create it
    processes = Processes(workdir / "logs")
    outcome: dict[str, bool] = {}

    def report(tracked: list[Tracked]) -> None:
        print_table(tracked)
        outcome["ok"] = print_summary(tracked, wall_s=time.monotonic() - started)
        print_metrics(workdir / "logs")
        say(f"logs, database and samples kept in {workdir}")

    try:
        run_services(
            processes, env=env, ports=ports, samples=samples, timeout=args.timeout, report=report, serve=args.serve
        )
    except RuntimeError as exc:
        say(f"error: {exc}")
        return 1
    return 0 if outcome.get("ok") else 1


def run_services(
    processes: Processes,
    *,
    env: dict[str, str],
    ports: dict[str, int],
    samples: list[tuple[Path, SampleTruth]],
    timeout: float,
    report: Callable[[list[Tracked]], None],
    serve: bool = False,
) -> list[Tracked]:
    """Start every service, push the samples through, report, then (serve) wait for Ctrl-C; stop everything
    whatever happens."""
    api_url = env["FILOT_API_URL"]
    with ExitStack() as stack:
        stack.callback(processes.stop_all)
        say(
            f"starting redis-server :{ports['redis']}, api :{ports['api']}, reviewer :{ports['reviewer']}, "
            "2 workers, the reconciler"
        )
        start_local_stack(processes, env, redis_port=ports["redis"], redis_dir=processes.log_dir, web_port=ports.get("web"))

        tracked = [Tracked(path=path, truth=truth) for path, truth in samples]
        reviewer = None if env["FILOT_REVIEWER_AUTO_DECIDE_S"] != "null" else env["FILOT_BULI2_URL"]
        with httpx.Client(base_url=api_url, headers={"X-Dev-User": _USER}, timeout=30) as client:
            upload_all(client, tracked)
            follow(client, tracked, timeout=timeout, processes=processes, reviewer_url=reviewer)
            identity_and_rights(client, api_url, tracked, timeout=timeout, processes=processes, reviewer_url=reviewer)
        report(tracked)
        if serve:
            serve_until_interrupted(processes, ports, samples_dir=tracked[0].path.parent if tracked else None)
        say("stopping services")
    return tracked


def serve_until_interrupted(processes: Processes, ports: dict[str, int], *, samples_dir: Path | None) -> None:
    """Keep everything up for a person at a browser; Ctrl-C (or a service dying) ends it."""
    if "web" in ports:
        say(f"web app: http://127.0.0.1:{ports['web']}/  (sign in with any name, e.g. you; upload a card from {samples_dir})")
    say(f"API: http://127.0.0.1:{ports['api']}/docs   reviewer (BULI2 stand-in): http://127.0.0.1:{ports['reviewer']}/")
    say("serving until Ctrl-C")
    try:
        while True:
            processes.check_alive()
            time.sleep(1.0)
    except KeyboardInterrupt:
        print()


def identity_and_rights(
    client: httpx.Client,
    api_url: str,
    tracked: list[Tracked],
    *,
    timeout: float,
    processes: Processes,
    reviewer_url: str | None,
) -> None:
    """After the main run: an approved card uploaded again by another account goes to a person (the same NIK is
    verified for someone else), and an automatic rejection appealed by its owner is decided by a person."""
    approved = next((t for t in tracked if t.status == "approved" and t.truth.doc_type == "ktp"), None)
    rejected = next((t for t in tracked if t.status == "rejected" and not t.escalated and t.doc_id), None)
    if approved is not None:
        again = Tracked(path=approved.path, truth=approved.truth, owner=f"{_USER}-another-account")
        upload_all(client, [again])
        follow(client, [again], timeout=timeout, processes=processes, reviewer_url=reviewer_url)
        body = client.get(f"/v1/documents/{again.doc_id}", headers={"X-Dev-User": again.owner}).json()
        codes = {str(reason.get("code")) for reason in body.get("reasons") or []}
        say(
            f"duplicate NIK: {approved.truth.name} uploaded by another account went to a person "
            f"({'nik_seen_for_other_owner' if 'nik_seen_for_other_owner' in codes else 'no duplicate reason!'}), "
            f"decided {again.status}"
        )
    if rejected is not None:
        response = client.post(
            f"/v1/documents/{rejected.doc_id}/appeal",
            json={"note": "demo: this is my card, please look again"},
            headers={"X-Dev-User": rejected.owner},
        )
        say(f"appeal: {rejected.truth.name} (rejected automatically) appealed -> HTTP {response.status_code}")
        appeal = Tracked(
            path=rejected.path,
            truth=rejected.truth,
            doc_id=rejected.doc_id,
            uploaded_at=time.monotonic(),
            owner=rejected.owner,
        )
        follow(client, [appeal], timeout=timeout, processes=processes, reviewer_url=reviewer_url)
        say(f"appeal: decided {appeal.status} by a person on the reviewer page; that decision is final")


def upload_all(client: httpx.Client, tracked: list[Tracked]) -> None:
    for item in tracked:
        mime = "image/jpeg" if item.path.suffix == ".jpg" else "image/png"
        item.owner = item.owner or f"{_USER}-{item.truth.name}"
        with item.path.open("rb") as handle:
            item.uploaded_at = time.monotonic()
            response = client.post(
                "/v1/documents",
                files={"file": (item.path.name, handle, mime)},
                data={"type": item.truth.doc_type},
                headers={"X-Dev-User": item.owner},
            )
        if response.status_code != 202:
            item.status, item.finished_at = "refused", time.monotonic()
            item.error = response.json().get("error", {}).get("code", str(response.status_code))
            continue
        item.doc_id = response.json()["id"]
        item.status = response.json()["status"]
    say(f"uploaded {sum(1 for t in tracked if t.doc_id)} of {len(tracked)} documents")


def decide_on_the_review_page(reviewer_url: str, item: Tracked) -> None:
    """Act as the reviewer: find the document's row on the BULI2 page and submit its form, rejecting what
    the page shows as a broken NIK, a NIK contradicting the card or not printed in OCR-A, or a claim mismatch;
    approving the rest."""
    page = httpx.get(f"{reviewer_url}/", timeout=10).text
    row = next((row for row in page.split("<tr>") if f"/decide/{item.doc_id}" in row), None)
    if row is None:
        return  # not on the page yet
    suspicious = ("nik_invalid", "_contradicts", "nik_font_mismatch", "claim_", "nik_seen_for_other_owner")
    verdict = "rejected" if any(marker in row for marker in suspicious) else "approved"
    httpx.post(f"{reviewer_url}/decide/{item.doc_id}", data={"decision": verdict}, timeout=10)
    item.clicked = verdict
    say(f"reviewer page: {verdict} {item.truth.name} (score {item.score})")


def follow(
    client: httpx.Client,
    tracked: list[Tracked],
    *,
    timeout: float,
    processes: Processes,
    reviewer_url: str | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    last_line = ""
    while time.monotonic() < deadline:
        processes.check_alive()
        for item in tracked:
            if item.doc_id is None or item.finished_at is not None:
                continue
            body = client.get(f"/v1/documents/{item.doc_id}", headers={"X-Dev-User": item.owner}).json()
            item.status, item.score = body["status"], body["score"]
            item.capture = tuple(hint["code"] for hint in body.get("capture") or ())
            item.escalated = item.escalated or body["status"] in ("needs_review", "escalated")
            if item.status in _FINAL:
                item.finished_at = time.monotonic()
                if body.get("error"):
                    item.error = body["error"]["code"]
            elif item.status == "escalated" and reviewer_url and item.clicked is None:
                decide_on_the_review_page(reviewer_url, item)
        counts = Counter(item.status for item in tracked)
        done = sum(counts[s] for s in (*_FINAL, "refused"))
        line = f"progress: {done}/{len(tracked)} decided  " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        if line != last_line:
            say(line)
            last_line = line
        if done == len(tracked):
            return
        time.sleep(0.25)
    say(f"timed out after {timeout:.0f}s waiting for decisions")


def print_table(tracked: list[Tracked]) -> None:
    header = f"{'document':<26} {'type':<5} {'score':>6} {'decision':<22} {'seconds':>7}  {'expected':<28} ok   capture"
    print()
    print(header)
    print("-" * len(header))
    for item in tracked:
        decision = item.status + (" (reviewed)" if item.escalated and item.status in _FINAL else "")
        seconds = f"{item.finished_at - item.uploaded_at:7.2f}" if item.finished_at else "      -"
        score = f"{item.score:6.1f}" if item.score is not None else "     -"
        expected = "|".join(item.truth.acceptable_decisions)
        print(
            f"{item.truth.name:<26} {item.truth.doc_type:<5} {score} {decision:<22} {seconds}  {expected:<28} "
            f"{'yes' if meets_truth(item) else 'NO ':<4} {', '.join(item.capture)}".rstrip()
        )
    print()


def meets_truth(item: Tracked) -> bool:
    """The first decision (before any human review) must be one the ground truth allows."""
    first = "needs_review" if item.escalated else item.status
    return first in item.truth.acceptable_decisions


def print_summary(tracked: list[Tracked], *, wall_s: float) -> bool:
    counts = Counter(item.status for item in tracked)
    reviewed = sum(1 for item in tracked if item.escalated)
    durations = [item.finished_at - item.uploaded_at for item in tracked if item.finished_at and item.doc_id]
    decided = sum(counts[s] for s in _FINAL)
    as_expected = sum(1 for item in tracked if meets_truth(item))
    p50 = statistics.median(durations) if durations else 0.0
    print(
        f"summary: {decided}/{len(tracked)} decided: {counts['approved']} approved, {counts['rejected']} rejected, "
        f"{counts['failed']} failed ({reviewed} via manual review); {as_expected}/{len(tracked)} as ground truth "
        f"expects; median {p50:.1f}s to decision, max {max(durations, default=0.0):.1f}s; wall {wall_s:.1f}s"
    )
    return decided == len(tracked)


def print_metrics(log_dir: Path) -> None:
    """Documents per decision, time to decision, fallbacks, retries: from the EMF lines the services printed
    (stdout goes to <workdir>/logs/<service>.log beside their JSON logs), as CloudWatch would extract them."""
    lines = (line for path in sorted(log_dir.glob("*.log")) for line in path.read_text(errors="replace").splitlines())
    points: dict[str, list[MetricPoint]] = defaultdict(list)
    for point in read_emf(lines):
        points[point.name].append(point)

    def total(name: str, **dimensions: str) -> int:
        chosen = (p for p in points[name] if dimensions.items() <= p.dimensions.items())
        return round(sum(p.value for p in chosen))

    def by(name: str, dimension: str) -> str:
        counts: Counter[str] = Counter()
        for p in points[name]:
            counts[p.dimensions[dimension]] += round(p.value)
        return ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"

    decided = ", ".join(f"{total(DOCUMENTS_DECIDED, **{DECISION: d})} {d}" for d in DECISIONS)
    gpu = round(sum(p.value for p in points[DOCUMENTS_DECIDED] if p.namespace == GPU_WORKER_NAMESPACE))
    cpu = total(DOCUMENTS_DECIDED) - gpu
    reviewed = ", ".join(f"{total(REVIEWS_DECIDED, **{DECISION: d})} {d}" for d in REVIEW_DECISIONS)
    to_decision = [p.value / 1000 for p in points[DOCUMENT_DECISION_TIME_MS]]
    on_gpu = [p.value / 1000 for p in points[GPU_PROCESSING_TIME_MS]]
    http = [p.value for p in points[HTTP_REQUEST_DURATION_MS]]
    names = {0: "closed", 1: "half-open", 2: "open"}
    breaker = " -> ".join(names.get(int(p.value), str(p.value)) for p in points[CIRCUIT_BREAKER_STATE]) or "none"
    fallbacks = total(GPU_FALLBACKS)
    print(f"metrics (the services' EMF lines, read back from {log_dir}):")
    print(f"  decided: {decided} (GPU path {gpu}, CPU path {cpu}); by reviewers: {reviewed}")
    print(
        f"  upload to decision: p50 {percentile(to_decision, 50):.2f}s, p95 {percentile(to_decision, 95):.2f}s "
        f"({len(to_decision)} documents); GPU claim to decision p50 {percentile(on_gpu, 50):.2f}s"
    )
    print(
        f"  OCR failures {total(OCR_FAILURES)}, fallbacks to CPU {fallbacks}"
        + (f" ({by(GPU_FALLBACKS, REASON)})" if fallbacks else "")
        + f", BULI2 retries {total(BULI2_RETRY_COUNT)}, breaker transitions {breaker}"
    )
    requests = f"API requests {len(http)}, p95 {percentile(http, 95):.0f} ms"
    print(f"  reconciler recoveries: {by(RECONCILER_RECOVERIES, KIND)}; {requests}")


def percentile(values: list[float], q: float) -> float:
    """Nearest rank (as CloudWatch's pNN statistics); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def say(message: str) -> None:
    print(f"[make run] {message}", flush=True)
