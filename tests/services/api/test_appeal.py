"""POST /v1/documents/{id}/appeal against the real API, worker, Redis, Tesseract and the local BULI2: the owner of
an automatically rejected document sends it to a person, once, with a note the reviewer sees; everything else is
refused with a code, and nothing already stored changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from services.adapters.buli2 import Buli2Client
from services.api.app import create_app
from services.core.lifecycle import Status
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.worker_helpers import sample, submit, worker


def _settled(components: Components, doc_id: str, timeout: float = 20) -> Status:
    """The document's status once the local reviewer (which decides at once) has called back."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = components.store.get(doc_id)
        if record is not None and record.status in (Status.APPROVED, Status.REJECTED) and record.appealed_at:
            return record.status
        time.sleep(0.05)
    raise AssertionError(f"{doc_id} was not decided on appeal: {components.store.get(doc_id)}")


def _rejected(parts: tuple[Components, Buli2Client], sample_dir: Path, owner: str = "alice") -> str:
    doc = submit(parts[0], sample(sample_dir, "blank").read_bytes(), owner=owner)
    worker("gpu", parts).process_one()
    assert parts[0].store.get(doc).status is Status.REJECTED  # type: ignore[union-attr]
    return doc


@pytest.fixture
def api(parts: tuple[Components, Buli2Client], serve: Callable[[object], ServerThread]) -> str:
    """An API that escalates to the local BULI2 (the fixture's own was started before BULI2's address was known);
    BULI2 calls back on the fixture's API, over the same database."""
    return serve(create_app(components=build_components(parts[0].settings))).url


def _appeal(api: str, doc: str, user: str, body: object = None) -> httpx.Response:
    return httpx.post(
        f"{api}/v1/documents/{doc}/appeal",
        headers={"X-Dev-User": user},
        json=body,
        timeout=30,
    )


def test_an_automatic_rejection_goes_to_a_person_once_with_the_owners_note(
    parts: tuple[Components, Buli2Client], sample_dir: Path, api: str
) -> None:
    components, _ = parts
    doc = _rejected(parts, sample_dir)
    response = _appeal(api, doc, "alice", {"note": "This is my card, the photo was dark."})
    assert response.status_code == 202, response.text
    assert response.json()["status"] in ("needs_review", "escalated", "approved", "rejected")
    assert [e["by"] for e in response.json()["history"] if e["status"] == "needs_review"] == ["you"]
    final = _settled(components, doc)
    case = components.reviewer_app.server.config.app.state.cases.get(doc)  # type: ignore[attr-defined]
    assert case.escalation.appeal["note"] == "This is my card, the photo was dark."
    steps = [e["to_status"] for e in components.store.history(doc)]
    assert steps[-4:] == ["rejected", "needs_review", "escalated", final.value]
    # The person's decision is final.
    again = _appeal(api, doc, "alice")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_reviewed")
    assert components.store.get(doc).status is final  # type: ignore[union-attr]


def test_what_cannot_be_appealed_is_refused_with_a_code(
    parts: tuple[Components, Buli2Client], sample_dir: Path, api: str
) -> None:
    components, _ = parts
    rejected = _rejected(parts, sample_dir)
    approved = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts).process_one()
    refused = _appeal(api, approved, "alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_rejected")
    # Someone else's document answers like a missing one.
    stranger = _appeal(api, rejected, "mallory")
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (404, "document_not_found")
    assert _appeal(api, "not-an-id", "alice").status_code == 404
    too_long = _appeal(api, rejected, "alice", {"note": "x" * 1001})
    assert (too_long.status_code, too_long.json()["error"]["code"]) == (422, "invalid_request")
    unknown = _appeal(api, rejected, "alice", {"note": "ok", "decision": "approved"})
    assert unknown.status_code == 422
    assert components.store.get(rejected).status is Status.REJECTED  # type: ignore[union-attr]
    assert components.store.get(rejected).appealed_at is None  # type: ignore[union-attr]


def test_a_document_a_person_rejected_cannot_be_appealed(
    parts: tuple[Components, Buli2Client], sample_dir: Path, api: str
) -> None:
    components, _ = parts
    doc = submit(components, sample(sample_dir, "invalid_nik").read_bytes())
    worker("gpu", parts).process_one()
    deadline = time.monotonic() + 20
    while components.store.get(doc).status is not Status.REJECTED and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    refused = _appeal(api, doc, "alice")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "already_reviewed")


@pytest.mark.parametrize("attempts", [4])
def test_appeals_at_the_same_moment_make_one_review(
    parts: tuple[Components, Buli2Client], sample_dir: Path, api: str, attempts: int
) -> None:
    components, _ = parts
    doc = _rejected(parts, sample_dir)
    barrier = threading.Barrier(attempts)
    codes: list[int] = []

    def send() -> None:
        barrier.wait()
        codes.append(_appeal(api, doc, "alice").status_code)

    threads = [threading.Thread(target=send) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202] + [409] * (attempts - 1)
    _settled(components, doc)
    assert [e["to_status"] for e in components.store.history(doc)].count("needs_review") == 1


def test_with_buli2_unreachable_the_appeal_waits_in_the_retry_queue(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components, _ = parts
    doc = _rejected(parts, sample_dir)
    # The fixture's own API was built before BULI2's address was known: its BULI2 is a closed port.
    response = _appeal(components.settings.api_url, doc, "alice")
    assert response.status_code == 202
    record = components.store.get(doc)
    assert record is not None and record.status is Status.NEEDS_REVIEW and record.appealed_at is not None
    assert components.queue.lengths()["buli2"] == 1  # the dispatcher delivers it once BULI2 answers
