"""Callback signatures: what passes, and each way a forged or replayed request fails."""

from __future__ import annotations

import pytest

from services.core.signing import SignatureError, sign, signed_headers, verify

KEY, BODY, NOW = "secret", b'{"document_id": "a", "decision": "approved"}', 1_800_000_000


def test_a_signed_request_verifies() -> None:
    headers = signed_headers(KEY, body=BODY, now=NOW)
    verify(KEY, timestamp=headers["X-Timestamp"], signature=headers["X-Signature"], body=BODY, now=NOW + 10)


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "code"),
    [
        (None, None, BODY, NOW, "missing_signature"),
        (str(NOW), None, BODY, NOW, "missing_signature"),
        ("yesterday", sign(KEY, timestamp=NOW, body=BODY), BODY, NOW, "stale_timestamp"),
        (str(NOW), sign(KEY, timestamp=NOW, body=BODY), BODY, NOW + 301, "stale_timestamp"),  # replayed late
        (str(NOW), sign(KEY, timestamp=NOW, body=BODY), BODY, NOW - 301, "stale_timestamp"),  # from the future
        (str(NOW), sign("other", timestamp=NOW, body=BODY), BODY, NOW, "invalid_signature"),  # wrong key
        (str(NOW), sign(KEY, timestamp=NOW, body=BODY), BODY.replace(b"approved", b"rejected"), NOW, "invalid_signature"),
        (str(NOW + 1), sign(KEY, timestamp=NOW, body=BODY), BODY, NOW, "invalid_signature"),  # timestamp swapped
    ],
)
def test_forged_or_replayed_requests_fail_with_a_code(
    timestamp: str | None, signature: str | None, body: bytes, now: int, code: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(KEY, timestamp=timestamp, signature=signature, body=body, now=now)
    assert caught.value.code == code
