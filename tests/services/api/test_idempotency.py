"""Idempotency-Key on uploads, over real HTTP with a real redis-server: a phone retrying on a flaky network gets
its first document back; the same key with another file is a 409; the database answers when Redis lost the key."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import redis

from services.api.app import create_app
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.api.helpers import ALICE, png_bytes, stored_objects


@pytest.fixture
def components(settings: Settings) -> Components:
    return build_components(settings)


@pytest.fixture
def api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    return httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)


def send(
    api: httpx.Client, data: bytes, key: str | bytes | None, *, user: dict[str, str] = ALICE, **form: str
) -> httpx.Response:
    headers: dict[str, str | bytes] = {**user, **({"Idempotency-Key": key} if key is not None else {})}
    return api.post(
        "/v1/documents", files={"file": ("card.png", data, "image/png")}, data={"type": "ktp", **form}, headers=headers
    )


def test_a_retried_upload_answers_the_first_document(api: httpx.Client, components: Components) -> None:
    first = send(api, png_bytes(), "phone-retry-1")
    again = send(api, png_bytes(), "phone-retry-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert len(stored_objects(components)) == 1  # one document stored, not two
    assert components.queue.lengths()["gpu"] == 1


def test_the_same_key_with_another_file_or_claim_is_a_conflict(api: httpx.Client, components: Components) -> None:
    first = send(api, png_bytes(), "k-1")
    other_file = send(api, png_bytes((300, 200)), "k-1")
    other_claim = send(api, png_bytes(), "k-1", claimed_nik="3171021708900001")
    assert first.status_code == 202
    for response in (other_file, other_claim):
        assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_reused"
    assert len(stored_objects(components)) == 1


def test_keys_are_per_owner_and_uploads_without_one_are_not_deduplicated(api: httpx.Client) -> None:
    alice = send(api, png_bytes(), "shared-text")
    bob = send(api, png_bytes(), "shared-text", user={"X-Dev-User": "bob"})
    assert alice.json()["id"] != bob.json()["id"]
    assert send(api, png_bytes(), None).json()["id"] != send(api, png_bytes(), None).json()["id"]


def test_the_database_answers_when_redis_lost_the_key(api: httpx.Client, components: Components) -> None:
    first = send(api, png_bytes(), "survives-a-flush")
    redis.Redis.from_url(components.settings.redis_url).flushall()
    again = send(api, png_bytes(), "survives-a-flush")
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    conflict = send(api, png_bytes((300, 200)), "survives-a-flush")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_key_reused"


def test_a_refused_upload_leaves_its_key_free_for_the_retry(api: httpx.Client) -> None:
    refused = send(api, b"not an image", "fix-and-retry")
    assert refused.status_code == 415
    assert send(api, png_bytes(), "fix-and-retry").status_code == 202


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "é".encode()])  # a hostile client's raw UTF-8
def test_a_malformed_key_is_refused(api: httpx.Client, components: Components, key: str | bytes) -> None:
    response = send(api, png_bytes(), key)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert stored_objects(components) == []
