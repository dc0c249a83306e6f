"""The BULI2 client against a real loopback HTTP server that fails, times out, talks nonsense and recovers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from services.adapters.buli2 import Buli2Client, Buli2Error
from tests.conftest import ServerThread

PAYLOAD = {"document_id": "a" * 32, "score": 70}


def flaky_buli2(script: list[str]) -> tuple[FastAPI, list[dict[str, str]]]:
    """Answers each escalation per `script` in turn: ok, 500, slow, nonsense (then ok forever)."""
    app = FastAPI()
    seen: list[dict[str, str]] = []

    @app.post("/v1/escalations")
    async def escalations(request: Request) -> Response:
        seen.append({"key": request.headers.get("x-api-key", ""), "idem": request.headers.get("idempotency-key", "")})
        step = script.pop(0) if script else "ok"
        if step == "500":
            return JSONResponse({"error": "boom"}, status_code=500)
        if step == "slow":
            await asyncio.sleep(2)
        if step == "nonsense":
            return PlainTextResponse("<html>maintenance</html>", status_code=200)
        return JSONResponse({"case": "a" * 32, "duplicate": False}, status_code=202)

    return app, seen


def client(url: str, **overrides: float) -> Buli2Client:
    options: dict = {"timeout_s": 0.5, "attempts": 3, "backoff_s": 0.01, "fail_max": 3, "reset_timeout_s": 0.5}
    return Buli2Client(base_url=url, api_key="k", **{**options, **overrides})


def metrics(out: str, name: str) -> list[dict]:
    return [line for line in (json.loads(raw) for raw in out.splitlines() if raw.startswith("{")) if name in line]


def test_failures_and_a_timeout_are_retried_until_delivered(
    serve: Callable[[object], ServerThread], capsys: pytest.CaptureFixture[str]
) -> None:
    app, seen = flaky_buli2(["500", "slow"])
    buli2 = client(serve(app).url, fail_max=5)
    buli2.escalate(PAYLOAD)
    assert len(seen) == 3
    assert all(s == {"key": "k", "idem": "a" * 32} for s in seen)  # the same idempotency key every time
    assert len(metrics(capsys.readouterr().out, "filot.buli2.retry_count")) == 2


def test_a_2xx_without_a_case_is_not_taken_for_delivery(serve: Callable[[object], ServerThread]) -> None:
    app, seen = flaky_buli2(["nonsense", "nonsense", "nonsense"])
    with pytest.raises(Buli2Error):
        client(serve(app).url, fail_max=10).escalate(PAYLOAD)
    assert len(seen) == 3


def test_breaker_opens_holds_back_calls_and_closes_when_buli2_recovers(
    serve: Callable[[object], ServerThread], capsys: pytest.CaptureFixture[str]
) -> None:
    app, seen = flaky_buli2(["500"] * 3)
    buli2 = client(serve(app).url)
    with pytest.raises(Buli2Error) as caught:
        buli2.escalate(PAYLOAD)
    assert caught.value.code == "buli2_circuit_open" and buli2.state == 2
    calls = len(seen)
    with pytest.raises(Buli2Error) as caught:
        buli2.escalate(PAYLOAD)  # open: refused at once, BULI2 not called
    assert caught.value.code == "buli2_circuit_open" and len(seen) == calls
    time.sleep(0.6)  # reset timeout: the next call is the half-open trial, and BULI2 is back
    buli2.escalate(PAYLOAD)
    assert buli2.state == 0
    states = [m["filot.circuit_breaker.state"] for m in metrics(capsys.readouterr().out, "filot.circuit_breaker.state")]
    assert states == [2, 1, 0]  # open, half-open, closed, each emitted as it happened


def test_unreachable_buli2_is_an_error_not_a_crash() -> None:
    from devtools.devservers import free_port

    with pytest.raises(Buli2Error):
        client(f"http://127.0.0.1:{free_port()}").escalate(PAYLOAD)
