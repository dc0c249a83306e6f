"""Helpers shared by several test modules (never imported from a test_*.py)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import httpx
from PIL import Image

from services.wiring import Components

ALICE = {"X-Dev-User": "alice"}


def png_bytes(size: tuple[int, int] = (320, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 220, 240)).save(buffer, format="JPEG")
    return buffer.getvalue()


def stored_objects(components: Components) -> list[Path]:
    root = Path(components.settings.storage_url.removeprefix("file://"))
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def bomb_png() -> bytes:
    """A valid PNG header claiming 50000x50000 pixels with almost no data: must be refused from the header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 100_000, 9)  # a few hundred bytes that would inflate to 7.5 GB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")

import json
import time
from typing import Any

import jwt

from tests.services.api.conftest import AUDIENCE, ISSUER


def token(key: Any, *, kid: str = "k1", alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})

from services.core.lifecycle import Status
from services.core.signing import signed_headers

KEY = {"X-Service-Key": "local-service-key"}


def callback(api: httpx.Client, body: dict[str, Any], headers: dict[str, str] = KEY, *, at: float | None = None) -> httpx.Response:
    """POST the callback as BULI2 does: service key plus an HMAC signature over timestamp and body."""
    raw = json.dumps(body).encode()
    signed = signed_headers("local-callback-key", body=raw, now=time.time() if at is None else at)
    return api.post("/v1/review/callback", content=raw, headers={**headers, **signed, "Content-Type": "application/json"})


def uploaded_doc(components: Components, doc_id: str) -> str:
    components.store.create(
        doc_id=doc_id,
        owner="alice",
        doc_type="ktp",
        object_key="k",
        content_type="image/png",
        size_bytes=1,
        sha256="0" * 64,
        correlation_id="c",
    )
    return doc_id


def escalated_doc(components: Components, doc_id: str = "e" * 32) -> str:
    store = components.store
    uploaded_doc(components, doc_id)
    for status in (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW, Status.ESCALATED):
        assert store.transition(doc_id, status, actor="test", score=70.0 if status is Status.SCORED else None)
    return doc_id
