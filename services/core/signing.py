"""HMAC-SHA256 request signatures for service-to-service calls (the BULI2 callback): the signature covers
the timestamp and the exact body, and a timestamp outside the window is refused, so a captured request
cannot be replayed later or altered."""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
DEFAULT_WINDOW_S = 300
DEFAULT_CLOCK_SKEW_S = 5
# Epoch seconds as ASCII digits, at most 12 (year 33658): str.isdigit() also takes '²' and Arabic-Indic digits,
# which int() then refuses, and int() refuses more than 4300 digits; both were 500s before.
_EPOCH = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class SignatureError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _digest(key: str, message: bytes) -> str:
    if not key:
        raise ValueError("an empty key signs nothing: anyone could sign with it")
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def sign(key: str, *, timestamp: int, body: bytes) -> str:
    return f"sha256={_digest(key, f'{timestamp}.'.encode() + body)}"


def sign_url(key: str, *, path: str, expires: int) -> str:
    """Query string that lets the holder GET `path` until `expires` (epoch seconds), like a presigned URL."""
    return f"expires={expires}&signature={_digest(key, f'GET {path} {expires}'.encode())}"


def _epoch(value: str) -> int | None:
    return int(value) if _EPOCH.fullmatch(value) else None


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of bytes: compare_digest refuses a str with non-ASCII characters (a TypeError)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def verify_url(key: str, *, path: str, expires: str, signature: str, now: float, max_ttl_s: int | None = None) -> None:
    """Raise SignatureError unless the link is signed by key, not expired, and (max_ttl_s) not valid for longer
    than links are issued for: a link whose expiry lies further ahead was not minted by this service's rules."""
    when = _epoch(expires)
    if when is None:
        raise SignatureError("invalid_link", "expires must be whole seconds since the epoch")
    if when < now:
        raise SignatureError("url_expired", "this link has expired; ask for the document again")
    if max_ttl_s is not None and when > now + max_ttl_s + DEFAULT_CLOCK_SKEW_S:
        raise SignatureError("invalid_link", f"links are valid for at most {max_ttl_s} s")
    if not _HEX_DIGEST.fullmatch(signature):
        raise SignatureError("invalid_signature", "the link's signature is not a SHA-256 hex digest")
    expected = _digest(key, f"GET {path} {when}".encode())
    if not _same(signature, expected):
        raise SignatureError("invalid_signature", "the link's signature does not match")


def signed_headers(key: str, *, body: bytes, now: float) -> dict[str, str]:
    timestamp = int(now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(key, timestamp=timestamp, body=body)}


def verify(key: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float,
           window_s: int = DEFAULT_WINDOW_S) -> None:
    """Raise SignatureError (code missing_signature, stale_timestamp or invalid_signature) unless valid."""
    if not timestamp or not signature:
        raise SignatureError("missing_signature", f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    when = _epoch(timestamp)
    if when is None:
        raise SignatureError("stale_timestamp", f"{TIMESTAMP_HEADER} must be whole seconds since the epoch")
    if abs(now - when) > window_s:
        raise SignatureError("stale_timestamp", f"the timestamp is more than {window_s} s away from now")
    if not _same(signature, sign(key, timestamp=when, body=body)):
        raise SignatureError("invalid_signature", "the signature does not match the body and timestamp")
