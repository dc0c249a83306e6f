"""End to end, as `make run` does it: real redis-server, API, GPU- and CPU-path workers and the local BULI2
as separate processes; sample cards uploaded over HTTP; each must reach the decision its ground truth implies."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from devtools.samples.truth import SampleTruth
from services.api.uploads import check_upload


@dataclass
class Interrupted:
    returncode: int
    stdout: str
    stderr: str
    served: str | None  # the web app's page, fetched while the demo served


def run_and_interrupt(argv: list[str], timeout: float = 600) -> Interrupted:
    """Run the demo until it says it is serving, fetch the web app's page at the address it printed, then press
    Ctrl-C (SIGINT) as a person would, and collect everything it printed."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    served = None
    deadline = time.monotonic() + timeout
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "serving until Ctrl-C" in line:
                address = re.search(r"web app: (http://\S+/)", "".join(lines))
                served = httpx.get(address.group(1), timeout=10).text if address else None
                process.send_signal(signal.SIGINT)
            if time.monotonic() > deadline:
                process.kill()
                break
        rest, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    return Interrupted(process.returncode, "".join(lines) + rest, stderr, served)


def test_demo_decides_every_sample_as_ground_truth_expects(tmp_path: Path) -> None:
    """`make run` exactly: the run, then the platform and the web app kept up at the printed address until Ctrl-C."""
    workdir = tmp_path / "demo"
    result = run_and_interrupt([sys.executable, "-m", "devtools", "demo", "--workdir", str(workdir), "--serve"])
    web = re.search(r"web app: (http://127\.0\.0\.1:\d+)/", result.stdout)
    assert web is not None, result.stdout[-3000:]
    assert result.served is not None and "<div id=\"root\">" in result.served, result.served
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "summary: 13/13 decided" in result.stdout
    assert "reviewer page: rejected ektp-invalid_nik-01" in result.stdout  # decided on the BULI2 page
    assert "reviewer page: rejected ektp-edited_nik-01" in result.stdout  # the NIK's typeface gave the edit away
    # The metrics block, read back from the services' EMF lines: one automatic decision per document, every
    # time to decision, and each decision made on the reviewer page.
    metrics = result.stdout.split("metrics (the services' EMF lines", 1)[1]
    decided = re.search(r"decided: (\d+) approved, (\d+) rejected, (\d+) needs_review", metrics)
    # 13 samples, and the approved e-KTP uploaded again by another account (the duplicate-NIK scene).
    assert decided is not None and sum(map(int, decided.groups())) == 14, metrics
    assert "(14 documents)" in metrics
    assert re.search(r"duplicate NIK: \S+ uploaded by another account went to a person \(nik_seen_for_other_owner\)",
                     result.stdout)
    assert "appeal: ektp-blank-01 (rejected automatically) appealed -> HTTP 202" in result.stdout
    assert "reviewer page: rejected ektp-blank-01" in result.stdout  # the appeal, decided by a person
    reviewed = re.search(r"by reviewers: (\d+) approved, (\d+) rejected", metrics)
    assert reviewed is not None and sum(map(int, reviewed.groups())) == result.stdout.count("reviewer page: ")

    truths = {}
    for truth_file in (workdir / "samples").glob("*.json"):
        truth = SampleTruth.from_json(json.loads(truth_file.read_text()))
        image = next(p for p in truth_file.parent.glob(f"{truth.name}.*") if p.suffix != ".json")
        # The API stores (and hashes) its re-encoded copy of each upload: the same function makes the same bytes.
        stored = check_upload(image.read_bytes(), max_bytes=10**8, max_pixels=10**8).data
        truths[hashlib.sha256(stored).hexdigest()] = truth

    engine = sa.create_engine(f"sqlite:///{workdir / 'filot.db'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, owner, sha256, status FROM documents")).all()
        history = {
            row.id: [e.to_status for e in conn.execute(
                sa.text("SELECT to_status FROM document_events WHERE document_id = :id ORDER BY id"), {"id": row.id}
            )]
            for row in rows
        }
    duplicates = [row for row in rows if row.owner.endswith("another-account")]
    assert len(duplicates) == 1 and "needs_review" in history[duplicates[0].id]
    rows = [row for row in rows if row not in duplicates]
    assert len(rows) == len(truths) == 13
    for row in rows:
        truth = truths[row.sha256]
        first_decision = next(s for s in history[row.id] if s in ("approved", "rejected", "needs_review"))
        if truth.variant == "blank":  # appealed after its automatic rejection: a person decided it again
            assert history[row.id][-4:-1] == ["rejected", "needs_review", "escalated"], history[row.id]
        assert first_decision in truth.acceptable_decisions, (truth.name, history[row.id])
        assert row.status in ("approved", "rejected"), (truth.name, row.status)
        if truth.variant == "clean":
            assert row.status != "rejected"
        if truth.variant in ("invalid_nik", "malformed_nik"):
            assert first_decision != "approved"
        if truth.variant in ("random", "blank", "no_card"):
            assert row.status == "rejected"
    # Everything it started has stopped: none of its ports still accepts a connection.
    ports = [int(port) for port in re.findall(r":(\d{2,5})", result.stdout.split("starting redis-server", 1)[1].split("\n")[0])]
    assert len(ports) == 3
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
