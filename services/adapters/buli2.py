"""HTTP client for the external manual-review service BULI2 (escalations are idempotent per document)."""

from __future__ import annotations

from typing import Any

import httpx

from services.errors import FilotError


class Buli2Error(FilotError):
    code = "buli2_unavailable"


class Buli2Client:
    def __init__(self, *, base_url: str, api_key: str, timeout_s: float) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._api_key = api_key

    def escalate(self, payload: dict[str, Any]) -> None:
        """POST the escalation; BULI2 deduplicates on Idempotency-Key, so a retry cannot open a second case."""
        try:
            response = self._client.post(
                "/v1/escalations",
                json=payload,
                headers={"X-Api-Key": self._api_key, "Idempotency-Key": str(payload["document_id"])},
            )
        except httpx.HTTPError as exc:
            raise Buli2Error(f"BULI2 unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise Buli2Error(f"BULI2 answered {response.status_code}: {response.text[:200]}")

    def close(self) -> None:
        self._client.close()
