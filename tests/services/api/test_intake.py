"""Accepting a checked upload: `queued` is recorded before the id reaches Redis, and a Redis outage leaves the
document recorded for the reconciler, not lost (real redis-server; SQLite)."""

from __future__ import annotations

import asyncio

import pytest

from services.api.intake import document_key, record_and_enqueue
from services.api.uploads import check_upload
from services.core.lifecycle import Status
from services.core.model import DocType
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.services.api.helpers import png_bytes


@pytest.fixture
def components(settings: Settings) -> Components:
    return build_components(settings)


def accept(components: Components, doc_id: str) -> Status:
    checked = check_upload(png_bytes(), max_bytes=1_000_000, max_pixels=4_000_000)
    key = document_key(doc_id, checked.extension)
    components.objects.put(key, checked.data)
    return asyncio.run(
        record_and_enqueue(
            components, doc_id=doc_id, owner="alice", doc_type=DocType.KTP, object_key=key, checked=checked,
            claimed_name=None, claimed_nik=None, correlation_id="c",
        )
    )


def test_queued_is_recorded_before_the_id_reaches_redis(
    components: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that claims the id the moment it is pushed finds the document `queued`: it never has to wait for
    the API's write (the worker no longer polls for it)."""
    seen: list[Status] = []
    real = components.queue.enqueue_gpu

    def enqueue(doc_id: str) -> bool:
        record = components.store.get(doc_id)
        assert record is not None
        seen.append(record.status)
        return real(doc_id)

    monkeypatch.setattr(components.queue, "enqueue_gpu", enqueue)
    assert accept(components, "a" * 32) is Status.QUEUED
    assert seen == [Status.QUEUED]
    assert components.queue.lengths()["gpu"] == 1


def test_a_redis_outage_leaves_the_document_recorded_for_the_reconciler(
    components: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    from services.adapters.buli2 import Buli2Client
    from services.processes.reconciler import Reconciler

    def down(doc_id: str) -> bool:
        raise redis.ConnectionError("redis is down")

    with monkeypatch.context() as patch:
        patch.setattr(components.queue, "enqueue_gpu", down)
        assert accept(components, "b" * 32) is Status.QUEUED
    assert components.queue.lengths()["gpu"] == 0
    components.settings = components.settings.model_copy(update={"recovery_grace_s": 0.0})
    report = Reconciler(components, Buli2Client(base_url="http://127.0.0.1:9", api_key="k", timeout_s=1)).run_once()
    assert report.enqueued == 1 and components.queue.lengths()["gpu"] == 1
