"""The stand-in's HTTP side: receives escalations, decides by itself after a delay or from the page, and calls the
API back with the signed decision, as BULI2 does."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Form, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from devtools.buli2_standin.page import render_page
from devtools.buli2_standin.settings import StandinSettings
from devtools.buli2_standin.store import Case, CaseStore, Escalation, Verdict
from services.api.correlation import CorrelationMiddleware
from services.api.errors import ApiError, install_error_handlers
from services.core.signing import signed_headers
from services.platform.logs import bind

log = logging.getLogger("filot.reviewer")


def create_reviewer_app(settings: StandinSettings) -> FastAPI:
    cases = CaseStore(settings.reviewer_database_url)
    tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # After a restart: finish what was decided but not delivered, and schedule what waits.
        for _key, case in cases.all():
            if case.decision is not None and case.callback_status != "delivered":
                spawn(call_back(case))
            elif case.decision is None and settings.reviewer_auto_decide_s is not None:
                spawn(decide_later(case))
        yield

    app = FastAPI(title="BULI2 local stand-in", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(CorrelationMiddleware, logger="filot.reviewer", timed=False)
    app.state.cases = cases

    def spawn(coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def auto_verdict(case: Case) -> Verdict:
        if settings.reviewer_policy == "approve":
            return "approved"
        if settings.reviewer_policy == "reject":
            return "rejected"
        # Like a careful person: a blocking reason (e.g. a NIK that contradicts the card) is a rejection.
        blocked = any(reason.get("blocking") for reason in case.escalation.reasons)
        return "approved" if case.escalation.score >= settings.reviewer_approve_score and not blocked else "rejected"

    async def call_back(case: Case) -> None:
        # Its own task: bind the escalation's ids here, and hand the correlation id back to the API.
        with bind(correlation_id=case.escalation.correlation_id, doc_id=case.escalation.document_id):
            await _call_back(case)

    async def _call_back(case: Case) -> None:
        body = json.dumps(
            {"document_id": case.escalation.document_id, "decision": case.decision, "reviewer": case.reviewer}
        ).encode()
        delay = 0.25
        async with httpx.AsyncClient(timeout=10) as client:
            for attempt in range(1, 9):
                try:
                    headers = {
                        "X-Service-Key": settings.service_key,
                        "Content-Type": "application/json",
                        **signed_headers(settings.callback_key, body=body, now=time.time()),
                        **({"X-Correlation-Id": cid} if (cid := case.escalation.correlation_id) else {}),
                    }
                    response = await client.post(case.escalation.callback_url, content=body, headers=headers)
                    if response.status_code < 300:
                        case.callback_status = "delivered"
                        cases.save(case.escalation.document_id, case)
                        log.info(
                            "callback delivered doc=%s decision=%s attempt=%d",
                            case.escalation.document_id, case.decision, attempt, extra={"decision": case.decision},
                        )
                        return
                    # 409: the API has not recorded the escalation yet; 5xx: it is struggling. Both pass.
                    retriable = response.status_code == 409 or response.status_code >= 500
                    case.history.append(f"attempt {attempt}: HTTP {response.status_code}")
                    if not retriable:
                        case.callback_status = f"refused ({response.status_code})"
                        cases.save(case.escalation.document_id, case)
                        log.error("callback refused doc=%s status=%d", case.escalation.document_id, response.status_code)
                        return
                except httpx.HTTPError as exc:
                    case.history.append(f"attempt {attempt}: {type(exc).__name__}")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        case.callback_status = "failed"
        cases.save(case.escalation.document_id, case)
        log.error("callback failed doc=%s", case.escalation.document_id)

    async def decide(case: Case, verdict: Verdict, reviewer: str) -> None:
        if case.decision is not None:
            return
        case.decision, case.reviewer = verdict, reviewer
        cases.save(case.escalation.document_id, case)
        await call_back(case)

    async def decide_later(case: Case) -> None:
        await asyncio.sleep(settings.reviewer_auto_decide_s or 0)
        current = cases.get(case.escalation.document_id) or case
        await decide(current, auto_verdict(current), "auto")

    def require_key(key: str | None) -> None:
        if not key or not hmac.compare_digest(key.encode(), settings.buli2_api_key.encode()):
            raise ApiError(401, "invalid_api_key", "a valid X-Api-Key header is required")

    @app.post("/v1/escalations", status_code=202)
    async def escalate(
        escalation: Escalation,
        x_api_key: Annotated[str | None, Header(alias="X-Api-Key")] = None,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> JSONResponse:
        require_key(x_api_key)
        key = idempotency_key or escalation.document_id
        existing = cases.get(key)
        if existing is not None:
            existing.deliveries += 1
            cases.save(key, existing)
            log.info("escalation repeated doc=%s deliveries=%d", escalation.document_id, existing.deliveries)
            if existing.decision is not None and existing.callback_status != "delivered":
                spawn(call_back(existing))  # the sender is alive again: so may its callback endpoint be
            return JSONResponse({"case": key, "duplicate": True}, status_code=200)
        case = Case(escalation=escalation, received_at=time.time())
        cases.save(key, case)
        with bind(correlation_id=escalation.correlation_id, doc_id=escalation.document_id):
            log.info(
                "escalation received doc=%s score=%.1f", escalation.document_id, escalation.score,
                extra={"score": escalation.score},
            )
        if settings.reviewer_auto_decide_s is not None:
            spawn(decide_later(case))
        return JSONResponse({"case": key, "duplicate": False}, status_code=202)

    @app.get("/v1/escalations")
    def list_escalations() -> list[dict[str, Any]]:
        return [
            {
                "document_id": case.escalation.document_id,
                "score": case.escalation.score,
                "decision": case.decision,
                "callback": case.callback_status,
                "deliveries": case.deliveries,
            }
            for _key, case in cases.all()
        ]

    @app.post("/decide/{doc_id}")
    async def decide_by_hand(doc_id: str, decision: Annotated[Verdict, Form()]) -> RedirectResponse:
        case = cases.get(doc_id)
        if case is None:
            raise ApiError(404, "case_not_found", f"no escalation for {doc_id}")
        await decide(case, decision, "local-reviewer")
        return RedirectResponse("/", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> str:
        return render_page([case for _key, case in cases.all()])

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
