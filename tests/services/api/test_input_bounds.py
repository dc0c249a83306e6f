"""The widest and the hostile inputs the API takes, over HTTP on SQLite and on a real Postgres, which enforces
column widths and refuses NUL where SQLite stores anything: the widest accepted values are decided, the hostile
ones refused with a code, never a 500."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from services.adapters.database import OWNER_MAX, REVIEWER_MAX
from services.api.app import create_app
from services.core.lifecycle import Status
from services.core.signing import signed_headers
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.api.helpers import png_bytes


@pytest.fixture(params=["sqlite", "postgres"])
def components(request: pytest.FixtureRequest, settings: Settings) -> Components:
    if request.param == "postgres":
        settings = settings.model_copy(update={"database_url": request.getfixturevalue("postgres_url")})
    return build_components(settings)


@pytest.fixture
def api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    return httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)


def escalated(components: Components, owner: str) -> str:
    doc = "e" * 32
    components.store.create(
        doc_id=doc, owner=owner, doc_type="ktp", object_key="k", content_type="image/png", size_bytes=1,
        sha256="0" * 64, correlation_id="c",
    )
    for status in (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW, Status.ESCALATED):
        assert components.store.transition(doc, status, actor="test")
    return doc


def callback(api: httpx.Client, body: dict[str, object]) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {"X-Service-Key": "local-service-key", "Content-Type": "application/json"}
    return api.post("/v1/review/callback", content=raw, headers={**headers, **signed_headers("local-callback-key", body=raw, now=time.time())})


def test_the_widest_owner_uploads_and_the_widest_reviewer_decides(api: httpx.Client, components: Components) -> None:
    owner = "u" * 64  # the longest X-Dev-User; a JWT subject may be OWNER_MAX (the store test covers that width)
    upload = api.post(
        "/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp", "claimed_name": "N" * 128},
        headers={"X-Dev-User": owner, "Idempotency-Key": "k" * 128},
    )
    assert upload.status_code == 202
    doc = escalated(components, "o" * OWNER_MAX)
    decided = callback(api, {"document_id": doc, "decision": "approved", "reviewer": "r" * REVIEWER_MAX, "note": "n" * 2000})
    assert decided.status_code == 200, decided.text
    assert components.store.history(doc)[-1]["actor"] == f"buli2:{'r' * REVIEWER_MAX}"


@pytest.mark.parametrize(
    "change",
    [{"reviewer": "rina\x00"}, {"note": "ok\x00"}, {"reviewer": "r" * (REVIEWER_MAX + 1)}, {"reviewer": "a\nb"}],
)
def test_a_hostile_decision_is_refused_and_changes_nothing(
    api: httpx.Client, components: Components, change: dict[str, str]
) -> None:
    doc = escalated(components, "alice")
    response = callback(api, {"document_id": doc, "decision": "approved", **change})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]


def test_a_nul_in_a_claim_is_refused_not_a_database_error(api: httpx.Client, components: Components) -> None:
    response = api.post(
        "/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp", "claimed_name": "A\x00B"},
        headers={"X-Dev-User": "alice"},
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_claimed_name"
