"""Idempotent uploads: a phone that retries an upload on a flaky network gets the first document back.

The client sends `Idempotency-Key` (1-128 printable ASCII characters) with the upload. Within the window the same
key from the same owner answers the first document (202, same id); a different file or claims under the same key
is a 409. Redis reserves the key for the first request (a second one while it runs is a 409, not a second
document); the document's row (`idempotency_key` and its digest, unique per owner) answers every later request,
so a flushed Redis changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass

import redis

from services.adapters.database import DocumentRecord, DocumentStore
from services.api.errors import ApiError

log = logging.getLogger("filot.api")

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,128}")
WINDOW_S = 24 * 3600


@dataclass(frozen=True)
class Claim:
    """What an upload with a key holds: the key, and the fingerprint of what it was sent with."""

    key: str
    fingerprint: str


def parse_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not KEY_PATTERN.fullmatch(value):
        raise ApiError(422, "invalid_idempotency_key", f"{HEADER} must be 1-128 printable ASCII characters")
    return value


def fingerprint(*parts: bytes | str | None) -> str:
    """A digest of what the request carried: the same key with other contents is a client bug, not a retry."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else (part or b"")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class IdempotencyKeys:
    """The Redis side: `<prefix>:idem:<owner digest>:<key>` holds the first request's fingerprint for the window
    (released when that request made no document); the document's row holds the key and digest for good."""

    def __init__(self, connection: redis.Redis, store: DocumentStore, *, prefix: str) -> None:
        self._redis = connection
        self._store = store
        self._prefix = prefix

    def _name(self, owner: str, key: str) -> str:
        owner_digest = hashlib.sha256(owner.encode()).hexdigest()[:32]
        return f"{self._prefix}:idem:{owner_digest}:{key}"

    def earlier(self, owner: str, claim: Claim) -> DocumentRecord | None:
        """The document this key already made for this owner; None when there is none, the key then reserved
        for this request. 409 when the key came with other contents, or while its first request still runs."""
        held: dict[str, object] | None = None
        try:
            reserved = self._redis.set(
                self._name(owner, claim.key), json.dumps({"fingerprint": claim.fingerprint}), nx=True, ex=WINDOW_S
            )
            if not reserved:
                held = json.loads(self._redis.get(self._name(owner, claim.key)) or "{}")
        except redis.RedisError as exc:
            log.warning("idempotency keys unreachable (%s): the database answers alone", type(exc).__name__)
        record = self._store.find_by_idempotency_key(owner, claim.key)  # the truth when Redis lost the key
        if record is not None:
            if record.idempotency_digest != claim.fingerprint:
                raise ApiError(409, "idempotency_key_reused", f"this {HEADER} was used for another upload")
            return record
        if held is not None:
            if held.get("fingerprint") != claim.fingerprint:
                raise ApiError(409, "idempotency_key_reused", f"this {HEADER} was used for another upload")
            raise ApiError(409, "upload_in_progress", "the first upload with this key is still running; retry shortly")
        return None

    def release(self, owner: str, claim: Claim) -> None:
        """The request ended without a document (refused, or failed): the key is free for the retry."""
        try:
            self._redis.delete(self._name(owner, claim.key))
        except redis.RedisError:
            pass
