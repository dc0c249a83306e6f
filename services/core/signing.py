"""HMAC-SHA256 request signatures for service-to-service calls (the BULI2 callback): the signature covers
the timestamp and the exact body, and a timestamp outside the window is refused, so a captured request
cannot be replayed later or altered."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
DEFAULT_WINDOW_S = 300


class SignatureError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sign(key: str, *, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign_url(key: str, *, path: str, expires: int) -> str:
    """Query string that lets the holder GET `path` until `expires` (epoch seconds), like a presigned URL."""
    digest = hmac.new(key.encode(), f"GET {path} {expires}".encode(), hashlib.sha256).hexdigest()
    return f"expires={expires}&signature={digest}"


def verify_url(key: str, *, path: str, expires: str, signature: str, now: float) -> None:
    if not expires.isdigit() or int(expires) < now:
        raise SignatureError("url_expired", "this link has expired; ask for the document again")
    expected = hmac.new(key.encode(), f"GET {path} {expires}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        raise SignatureError("invalid_signature", "the link's signature does not match")


def signed_headers(key: str, *, body: bytes, now: float) -> dict[str, str]:
    timestamp = int(now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(key, timestamp=timestamp, body=body)}


def verify(key: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float,
           window_s: int = DEFAULT_WINDOW_S) -> None:
    """Raise SignatureError (code missing_signature, stale_timestamp or invalid_signature) unless valid."""
    if not timestamp or not signature:
        raise SignatureError("missing_signature", f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    if not timestamp.isdigit():
        raise SignatureError("stale_timestamp", f"{TIMESTAMP_HEADER} must be whole seconds since the epoch")
    if abs(now - int(timestamp)) > window_s:
        raise SignatureError("stale_timestamp", f"the timestamp is more than {window_s} s away from now")
    if not hmac.compare_digest(signature, sign(key, timestamp=int(timestamp), body=body)):
        raise SignatureError("invalid_signature", "the signature does not match the body and timestamp")
