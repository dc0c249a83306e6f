"""BULI2's callback: only with the service key, only for escalated documents, idempotent."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from services.api.app import create_app
from services.core.lifecycle import Status
from services.core.signing import signed_headers
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.api.helpers import KEY, callback, escalated_doc, uploaded_doc


@pytest.fixture
def components(settings: Settings) -> Components:
    return build_components(settings)


@pytest.fixture
def api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    return httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)






def test_decision_is_recorded_once_and_repeats_are_harmless(api: httpx.Client, components: Components) -> None:
    doc = escalated_doc(components)
    body = {"document_id": doc, "decision": "approved", "reviewer": "rina"}
    first = callback(api, body, KEY)
    assert first.status_code == 200 and first.json() == {"id": doc, "status": "approved", "duplicate": False}
    again = callback(api, body, KEY)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    record = components.store.get(doc)
    assert record is not None and record.status is Status.APPROVED and record.decision == "approved"
    assert components.store.history(doc)[-1]["actor"] == "buli2:rina"


def test_contradicting_second_decision_is_refused(api: httpx.Client, components: Components) -> None:
    doc = escalated_doc(components)
    callback(api, {"document_id": doc, "decision": "rejected"}, KEY)
    response = callback(api, {"document_id": doc, "decision": "approved"}, KEY)
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    assert components.store.get(doc).status is Status.REJECTED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "invalid_service_key"),
        ({"X-Service-Key": "wrong"}, 401, "invalid_service_key"),
        ({"X-Dev-User": "alice"}, 403, "service_route"),
        ({**KEY, "X-Dev-User": "alice"}, 403, "service_route"),
        ({**KEY, "Authorization": "Bearer user.token.here"}, 403, "service_route"),
    ],
)
def test_callback_needs_the_service_key_and_refuses_users(
    api: httpx.Client, components: Components, headers: dict[str, str], status: int, code: str
) -> None:
    doc = escalated_doc(components)
    response = callback(api, {"document_id": doc, "decision": "approved"}, headers)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"document_id": "f" * 32, "decision": "approved"}, 404, "document_not_found"),
        ({"document_id": "e" * 32, "decision": "maybe"}, 422, "invalid_request"),
        ({"document_id": "../etc", "decision": "approved"}, 422, "invalid_request"),
        ({"decision": "approved"}, 422, "invalid_request"),
    ],
)
def test_bad_callbacks_are_refused_with_a_code(
    api: httpx.Client, components: Components, body: dict[str, str], status: int, code: str
) -> None:
    escalated_doc(components)
    response = callback(api, body, KEY)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_document_not_yet_escalated_is_a_conflict(api: httpx.Client, components: Components) -> None:
    uploaded_doc(components, "a" * 32)
    response = callback(api, {"document_id": "a" * 32, "decision": "approved"}, KEY)
    assert response.status_code == 409


def test_decision_for_a_document_whose_escalation_was_not_recorded_is_accepted(
    api: httpx.Client, components: Components
) -> None:
    doc = uploaded_doc(components, "b" * 32)
    for status in (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW):
        components.store.transition(doc, status, actor="test")
    response = callback(api, {"document_id": doc, "decision": "rejected"}, KEY)
    assert response.status_code == 200
    assert [e["to_status"] for e in components.store.history(doc)][-2:] == ["escalated", "rejected"]


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("unsigned", "missing_signature"),
        ("old", "stale_timestamp"),
        ("altered", "invalid_signature"),
        ("wrong_key", "invalid_signature"),
    ],
)
def test_unsigned_replayed_or_altered_callbacks_change_nothing(
    api: httpx.Client, components: Components, tamper: str, code: str
) -> None:
    doc = escalated_doc(components)
    body = json.dumps({"document_id": doc, "decision": "approved"}).encode()
    headers = {**KEY, "Content-Type": "application/json"}
    if tamper == "old":
        headers |= signed_headers("local-callback-key", body=body, now=time.time() - 600)
    elif tamper == "altered":
        headers |= signed_headers("local-callback-key", body=body, now=time.time())
        body = body.replace(b"approved", b"rejected")
    elif tamper == "wrong_key":
        headers |= signed_headers("not-the-key", body=body, now=time.time())
    response = api.post("/v1/review/callback", content=body, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == code
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]


def test_a_malformed_signed_body_is_refused(api: httpx.Client, components: Components) -> None:
    raw = b"{not json"
    headers = {**KEY, **signed_headers("local-callback-key", body=raw, now=time.time())}
    response = api.post("/v1/review/callback", content=raw, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_the_audit_trail_is_shown_to_the_owner_and_in_full_to_services(
    api: httpx.Client, components: Components
) -> None:
    doc = escalated_doc(components)
    callback(api, {"document_id": doc, "decision": "approved", "reviewer": "rina"})
    owner = api.get(f"/v1/documents/{doc}", headers={"X-Dev-User": "alice"}).json()
    assert [e["status"] for e in owner["history"]][-2:] == ["escalated", "approved"]
    assert owner["history"][-1]["by"] == "reviewer" and "actor" not in owner["history"][-1]
    assert "owner" not in owner
    full = api.get(f"/v1/documents/{doc}", headers=KEY).json()
    assert full["history"][-1]["actor"] == "buli2:rina" and full["owner"] == "alice"
    assert api.get(f"/v1/documents/{doc}", headers={"X-Service-Key": "wrong"}).status_code == 401
    assert api.get(f"/v1/documents/{doc}", headers={"X-Dev-User": "mallory"}).status_code == 404


def test_the_reviewer_image_link_works_until_it_expires_and_cannot_be_forged(
    api: httpx.Client, components: Components
) -> None:
    from services.application.effects import image_url

    doc = uploaded_doc(components, "c" * 32)
    components.objects.put("k", b"\x89PNG\r\n\x1a\nimage-bytes")
    record = components.store.get(doc)
    assert record is not None
    link = image_url(components, record)
    path_and_query = link.split("127.0.0.1", 1)[1].split("/", 1)[1]
    response = api.get("/" + path_and_query)
    assert response.status_code == 200 and response.content == b"\x89PNG\r\n\x1a\nimage-bytes"
    assert response.headers["content-type"] == "image/png"
    forged = ("/" + path_and_query).replace(doc, "d" * 32)
    assert api.get(forged).json()["error"]["code"] == "invalid_signature"
    expired = f"/v1/review/images/{doc}?expires=1000&signature=00"
    assert api.get(expired).status_code == 403 and api.get(expired).json()["error"]["code"] == "url_expired"


@pytest.mark.parametrize(
    ("expires", "signature", "code"),
    [
        ("²" * 3, "0" * 64, "invalid_link"),  # str.isdigit() says yes, int() says no
        ("٣٠٠٠٠٠٠٠٠٠", "0" * 64, "invalid_link"),  # Arabic-Indic digits
        ("9" * 5000, "0" * 64, "invalid_link"),  # past int()'s 4300-digit limit
        ("-1", "0" * 64, "invalid_link"),
        ("in ten years", "0" * 64, "invalid_link"),  # valid ten years: never issued
        ("in a minute", "é" * 64, "invalid_signature"),  # compare_digest refuses non-ASCII str
        ("in a minute", "0" * 5000, "invalid_signature"),
    ],
)
def test_hostile_image_links_are_refused_with_a_code_not_a_500(
    api: httpx.Client, components: Components, expires: str, signature: str, code: str
) -> None:
    doc = uploaded_doc(components, "c" * 32)
    # Times from now, not from collection: a full run reaches this test minutes after collecting it.
    expires = {"in ten years": str(int(time.time()) + 10 * 365 * 86400), "in a minute": str(int(time.time()) + 60)}.get(
        expires, expires
    )
    response = api.get(f"/v1/review/images/{doc}", params={"expires": expires, "signature": signature})
    assert response.status_code == 403 and response.json()["error"]["code"] == code
    assert expires not in response.text  # the error does not echo what the caller sent


def test_a_link_signed_with_the_service_key_is_refused(api: httpx.Client, components: Components) -> None:
    """One key, one purpose: what BULI2 sends as its credential cannot mint image links."""
    from services.core.signing import sign_url

    doc = uploaded_doc(components, "c" * 32)
    components.objects.put("k", b"\x89PNG\r\n\x1a\nimage-bytes")
    query = sign_url("local-service-key", path=f"/v1/review/images/{doc}", expires=int(time.time()) + 60)
    response = api.get(f"/v1/review/images/{doc}?{query}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "invalid_signature"


@pytest.mark.parametrize(
    ("timestamp", "signature", "code"),
    [
        ("²", "sha256=" + "0" * 64, "stale_timestamp"),
        ("١٧٠٠٠٠٠٠٠٠", "sha256=" + "0" * 64, "stale_timestamp"),
        ("1" * 5000, "sha256=" + "0" * 64, "stale_timestamp"),
        ("now", "sha256=" + "0" * 64, "stale_timestamp"),
        (None, "sha256=é", "invalid_signature"),  # a current timestamp, a non-ASCII signature
    ],
)
def test_hostile_callback_headers_are_refused_with_a_code_not_a_500(
    api: httpx.Client, components: Components, timestamp: str | None, signature: str, code: str
) -> None:
    doc = escalated_doc(components)
    raw = json.dumps({"document_id": doc, "decision": "approved"}).encode()
    # httpx sends header values as they are given; non-ASCII ones go out as UTF-8 bytes, as a hostile client would.
    headers = {
        **KEY,
        "Content-Type": "application/json",
        "X-Timestamp": (timestamp or str(int(time.time()))).encode(),
        "X-Signature": signature.encode(),
    }
    response = api.post("/v1/review/callback", content=raw, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == code
    assert components.store.get(doc).status is Status.ESCALATED  # type: ignore[union-attr]


def test_a_callback_signed_with_the_service_key_is_refused(api: httpx.Client, components: Components) -> None:
    """Whoever sees the X-Service-Key header BULI2 sends cannot sign decisions with it."""
    doc = escalated_doc(components)
    raw = json.dumps({"document_id": doc, "decision": "approved"}).encode()
    headers = {**KEY, **signed_headers("local-service-key", body=raw, now=time.time()), "Content-Type": "application/json"}
    response = api.post("/v1/review/callback", content=raw, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_signature"
