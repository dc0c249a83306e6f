"""The local BULI2 stand-in: API key, idempotent escalations, the decision page, callbacks with retries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from devtools.buli2_standin import create_reviewer_app
from services.core.signing import verify
from services.platform.settings import Settings
from tests.conftest import ServerThread

KEY = {"X-Api-Key": "local-buli2-key"}


def callback_sink(status_codes: list[int]) -> tuple[FastAPI, list[dict[str, Any]]]:
    """A real HTTP endpoint standing in for the API's callback route; answers the given codes in turn."""
    app = FastAPI()
    received: list[dict[str, Any]] = []

    @app.post("/v1/review/callback")
    async def callback(request: Request) -> Any:
        from fastapi.responses import JSONResponse

        raw = await request.body()
        received.append({"body": json.loads(raw), "key": request.headers.get("x-service-key"), "raw": raw,
                         "timestamp": request.headers.get("x-timestamp"), "signature": request.headers.get("x-signature")})
        code = status_codes.pop(0) if status_codes else 200
        return JSONResponse({}, status_code=code)

    return app, received


def escalation(doc_id: str, callback_url: str, *, score: float = 70.0, blocking: bool = False) -> dict[str, Any]:
    return {
        "document_id": doc_id,
        "doc_type": "ktp",
        "score": score,
        "reasons": [{"code": "nik_invalid", "points": 0, "max_points": 25, "detail": "", "blocking": blocking}],
        "fields": {"nik": "3171**********01"},
        "callback_url": callback_url,
    }


def wait_for(predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(("score", "blocking", "verdict"), [(70, False, "approved"), (70, True, "rejected"), (40, False, "rejected")])
def test_auto_decision_is_called_back_with_the_service_key(
    settings: Settings, serve: Callable[[object], ServerThread], score: float, blocking: bool, verdict: str
) -> None:
    sink_app, received = callback_sink([])
    sink = serve(sink_app)
    reviewer = serve(create_reviewer_app(settings))
    doc = "a" * 32
    response = httpx.post(
        f"{reviewer.url}/v1/escalations",
        json=escalation(doc, f"{sink.url}/v1/review/callback", score=score, blocking=blocking),
        headers={**KEY, "Idempotency-Key": doc},
    )
    assert response.status_code == 202
    wait_for(lambda: len(received) == 1)
    assert received[0]["body"] == {"document_id": doc, "decision": verdict, "reviewer": "auto"}
    assert received[0]["key"] == settings.service_key
    verify(settings.callback_key, timestamp=received[0]["timestamp"], signature=received[0]["signature"],
           body=received[0]["raw"], now=time.time())  # signed as the API requires


def test_callback_is_retried_until_the_api_accepts_it(
    settings: Settings, serve: Callable[[object], ServerThread]
) -> None:
    sink_app, received = callback_sink([409, 503])
    sink = serve(sink_app)
    reviewer = serve(create_reviewer_app(settings))
    httpx.post(
        f"{reviewer.url}/v1/escalations", json=escalation("b" * 32, f"{sink.url}/v1/review/callback"), headers=KEY
    )
    wait_for(lambda: len(received) == 3)
    listed = httpx.get(f"{reviewer.url}/v1/escalations").json()
    wait_for(lambda: httpx.get(f"{reviewer.url}/v1/escalations").json()[0]["callback"] == "delivered")
    assert listed[0]["document_id"] == "b" * 32


def test_same_escalation_twice_opens_one_case(settings: Settings, serve: Callable[[object], ServerThread]) -> None:
    manual = settings.model_copy(update={"reviewer_auto_decide_s": None})
    reviewer = serve(create_reviewer_app(manual))
    body = escalation("c" * 32, "http://127.0.0.1:9/none")
    first = httpx.post(f"{reviewer.url}/v1/escalations", json=body, headers={**KEY, "Idempotency-Key": "c" * 32})
    second = httpx.post(f"{reviewer.url}/v1/escalations", json=body, headers={**KEY, "Idempotency-Key": "c" * 32})
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["duplicate"] is True
    cases = httpx.get(f"{reviewer.url}/v1/escalations").json()
    assert len(cases) == 1 and cases[0]["deliveries"] == 2 and cases[0]["decision"] is None


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "wrong"}])
def test_escalation_needs_the_api_key(
    settings: Settings, serve: Callable[[object], ServerThread], headers: dict[str, str]
) -> None:
    reviewer = serve(create_reviewer_app(settings))
    response = httpx.post(f"{reviewer.url}/v1/escalations", json=escalation("d" * 32, "http://x"), headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"


def test_a_person_decides_on_the_page(settings: Settings, serve: Callable[[object], ServerThread]) -> None:
    sink_app, received = callback_sink([])
    sink = serve(sink_app)
    reviewer = serve(create_reviewer_app(settings.model_copy(update={"reviewer_auto_decide_s": None})))
    doc = "e" * 32
    httpx.post(f"{reviewer.url}/v1/escalations", json=escalation(doc, f"{sink.url}/v1/review/callback"), headers=KEY)
    page = httpx.get(f"{reviewer.url}/").text
    assert doc in page and 'value="approved"' in page and "3171**********01" in page
    response = httpx.post(f"{reviewer.url}/decide/{doc}", data={"decision": "approved"})
    assert response.status_code == 303
    assert received[0]["body"]["decision"] == "approved" and received[0]["body"]["reviewer"] == "local-reviewer"
    assert "approved by local-reviewer (delivered)" in httpx.get(f"{reviewer.url}/").text
    missing = httpx.post(f"{reviewer.url}/decide/{'f' * 32}", data={"decision": "approved"})
    assert missing.status_code == 404
