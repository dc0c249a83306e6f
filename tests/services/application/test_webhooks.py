"""The result webhook to a real loopback receiver: signed as BULI2 signs its callbacks, no personal data in it,
retried with backoff while the receiver fails (a clock the test controls), delivered once it recovers, given up
after every attempt (a dead letter, counted) and sent again by `webhooks redrive`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from services.adapters.buli2 import Buli2Client
from services.application.webhooks import DEAD, DELIVERED, PENDING, deliver_due
from services.core.signing import verify
from services.platform.metrics import read_emf
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.worker_helpers import sample, submit, worker


class Receiver:
    """The client's endpoint: answers `failing` with 503 until told otherwise, and keeps what it was sent."""

    def __init__(self) -> None:
        self.failing = True
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hooks/filot")
        async def hook(request: Request) -> Response:
            self.received.append((dict(request.headers), await request.body()))
            return Response(status_code=503 if self.failing else 204)


@pytest.fixture
def receiver_and_parts(
    parts: tuple[Components, Buli2Client], serve: Callable[[object], ServerThread]
) -> tuple[Receiver, tuple[Components, Buli2Client]]:
    receiver = Receiver()
    url = serve(receiver.app).url + "/hooks/filot"
    components = build_components(parts[0].settings.model_copy(update={"webhook_url": url, "webhook_attempts": 4}))
    return receiver, (components, parts[1])


def _state(components: Components, doc: str) -> tuple[str | None, int]:
    record = components.store.get(doc)
    assert record is not None
    return record.webhook_state, record.webhook_attempts


def test_a_decision_reaches_the_client_signed_without_personal_data_after_retries(
    receiver_and_parts: tuple[Receiver, tuple[Components, Buli2Client]], sample_dir: Path
) -> None:
    receiver, parts = receiver_and_parts
    components = parts[0]
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts).process_one()  # decided and published: the first attempt fails (503)
    assert _state(components, doc) == (PENDING, 1)
    now = datetime.now(UTC)
    assert deliver_due(components, now=now)["delivered"] == 0  # not due yet: the backoff is a minute
    assert len(receiver.received) == 1

    receiver.failing = False
    assert deliver_due(components, now=now + timedelta(minutes=2)) == {"delivered": 1, "failed": 0, "dead": 0}
    assert _state(components, doc) == (DELIVERED, 2)
    headers, body = receiver.received[-1]
    verify(
        components.settings.webhook_key,
        timestamp=headers["x-timestamp"],
        signature=headers["x-signature"],
        body=body,
        now=time.time(),
    )
    assert headers["idempotency-key"] == f"{doc}:approved"
    payload: dict[str, Any] = json.loads(body)
    assert (payload["document_id"], payload["status"], payload["decision"]) == (doc, "approved", "approved")
    assert payload["score"] >= 85 and payload["field_confidence"]["nik"] > 0
    assert {"code", "points", "max_points", "blocking"} == set(payload["reasons"][0])
    record = components.store.get(doc)
    assert record is not None and record.fields
    for value in record.fields.values():  # never a field's value
        assert value not in body.decode()
    # Delivered once: a later pass sends nothing.
    assert deliver_due(components, now=now + timedelta(days=1))["delivered"] == 0
    assert len(receiver.received) == 2


def test_given_up_after_every_attempt_then_redriven(
    receiver_and_parts: tuple[Receiver, tuple[Components, Buli2Client]],
    sample_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receiver, parts = receiver_and_parts
    components = parts[0]
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts).process_one()
    now = datetime.now(UTC)
    for hours in (1, 2, 3):  # attempts 2, 3, 4 (of 4), each when due
        deliver_due(components, now=now + timedelta(hours=hours))
    assert _state(components, doc) == (DEAD, 4)
    assert deliver_due(components, now=now + timedelta(hours=4))["dead"] == 1
    emitted = read_emf(capsys.readouterr().out.splitlines())
    assert [m.value for m in emitted if m.name == "filot.webhook.dead_letters"][-1] == 1
    assert sum(m.value for m in emitted if m.name == "filot.webhook.failures") == 3  # each failed retry

    from services.cli import ops
    from services.platform import settings as settings_module

    monkeypatch.setattr(ops, "get_settings", lambda: components.settings)
    monkeypatch.setattr(settings_module, "get_settings", lambda: components.settings)
    assert ops.redrive_webhooks(None) == 0  # type: ignore[arg-type]
    assert _state(components, doc) == (PENDING, 0)
    receiver.failing = False
    assert deliver_due(components, now=datetime.now(UTC) + timedelta(seconds=1))["delivered"] == 1
    assert _state(components, doc) == (DELIVERED, 1)


def test_without_a_webhook_url_nothing_is_sent_or_tracked(
    parts: tuple[Components, Buli2Client], sample_dir: Path
) -> None:
    components = parts[0]
    doc = submit(components, sample(sample_dir, "clean").read_bytes())
    worker("gpu", parts).process_one()
    assert _state(components, doc) == (None, 0)
