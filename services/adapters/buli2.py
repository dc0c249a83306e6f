"""HTTP client for the external manual-review service BULI2.

Each escalation is retried with exponential backoff and full jitter (tenacity) and goes through a circuit
breaker (pybreaker): after `fail_max` consecutive failures calls stop for `reset_timeout_s`, so a BULI2
outage costs one fast refusal per document instead of a timeout each. The breaker's state and every
retry are emitted as metrics. Escalations are idempotent per document (Idempotency-Key = document id).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pybreaker
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from services.platform.errors import FilotError
from services.platform.metrics import BACKEND_NAMESPACE, BULI2_RETRY_COUNT, CIRCUIT_BREAKER_STATE, emit

log = logging.getLogger("filot.buli2")

# filot.circuit_breaker.state values (docs/design.md, "Monitoring names").
BREAKER_STATES = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}


class Buli2Error(FilotError):
    code = "buli2_unavailable"


class _StateMetric(pybreaker.CircuitBreakerListener):  # type: ignore[misc]
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def state_change(self, breaker: pybreaker.CircuitBreaker, old: Any, new: Any) -> None:
        log.warning("BULI2 circuit breaker %s -> %s", old.name, new.name)
        emit(self.namespace, CIRCUIT_BREAKER_STATE, BREAKER_STATES[new.name])


class Buli2Client:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout_s: float,
        attempts: int = 3,
        backoff_s: float = 0.2,
        fail_max: int = 3,
        reset_timeout_s: float = 60.0,
        namespace: str = BACKEND_NAMESPACE,
    ) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._api_key = api_key
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._namespace = namespace
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max, reset_timeout=reset_timeout_s, listeners=[_StateMetric(namespace)], name="buli2"
        )

    @property
    def state(self) -> int:
        """0 closed, 1 half-open, 2 open."""
        return BREAKER_STATES[self.breaker.current_state]

    def escalate(self, payload: dict[str, Any]) -> None:
        """POST the escalation; raises Buli2Error (code buli2_unavailable or buli2_circuit_open) when it
        was not delivered, so the caller can keep it for later."""
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_random_exponential(multiplier=self._backoff_s, max=5.0),  # full jitter
            retry=retry_if_exception_type(Buli2Error),
            before_sleep=lambda _state: emit(self._namespace, BULI2_RETRY_COUNT, 1),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self.breaker.call(self._post, payload)
        except pybreaker.CircuitBreakerError as exc:
            raise Buli2Error("BULI2 circuit breaker is open; escalation held back", code="buli2_circuit_open") from exc

    def _post(self, payload: dict[str, Any]) -> None:
        try:
            response = self._client.post(
                "/v1/escalations",
                json=payload,
                headers={
                    "X-Api-Key": self._api_key,
                    "Idempotency-Key": str(payload["document_id"]),
                    # BULI2 logs under the upload's id and sends it back on the callback.
                    **({"X-Correlation-Id": str(payload["correlation_id"])} if payload.get("correlation_id") else {}),
                },
            )
        except httpx.HTTPError as exc:
            raise Buli2Error(f"BULI2 unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise Buli2Error(f"BULI2 answered {response.status_code}: {response.text[:200]}")
        try:
            accepted = "case" in response.json()
        except ValueError:
            accepted = False
        if not accepted:
            # A 2xx without a case id is not proof of delivery; the idempotency key makes a resend safe.
            raise Buli2Error(f"BULI2 answered {response.status_code} without a case: {response.text[:200]}")

    def close(self) -> None:
        self._client.close()
