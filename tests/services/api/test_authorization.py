"""Who may call what and see which fields (OWASP API1, API3, API5), over real HTTP: users with real JWTs from a
loopback JWKS server, BULI2 with the service key."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.api.app import create_app
from services.core.lifecycle import Status
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.api.conftest import AUDIENCE, ISSUER
from tests.services.api.helpers import png_bytes, token

FIELDS = {"nik": "3171021708900001", "name": "SITI RAHAYU", "birth_date": "17-08-1990", "address": "JL MAWAR 1"}


@pytest.fixture
def components(settings: Settings, jwks: tuple[str, list[int]]) -> Components:
    return build_components(
        settings.model_copy(
            update={"stage": "production", "dev_auth": None, "jwt_jwks_url": jwks[0], "jwt_issuer": ISSUER,
                    "jwt_audience": AUDIENCE}
        )
    )


@pytest.fixture
def api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    return httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)


def as_user(key: rsa.RSAPrivateKey, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(key, sub=user)}"}


def service(components: Components) -> dict[str, str]:
    return {"X-Service-Key": components.settings.service_key}


def decided_document(api: httpx.Client, components: Components, key: rsa.RSAPrivateKey, owner: str) -> str:
    """Uploaded by `owner` over HTTP, then decided with extracted fields as a worker would record them."""
    response = api.post(
        "/v1/documents",
        files={"file": ("card.png", png_bytes(), "image/png")},
        data={"type": "ktp", "claimed_nik": FIELDS["nik"]},
        headers=as_user(key, owner),
    )
    assert response.status_code == 202, response.text
    doc_id = response.json()["id"]
    store = components.store
    assert store.transition(doc_id, Status.PROCESSING, actor="worker:gpu")
    assert store.transition(doc_id, Status.SCORED, actor="worker:gpu", score=91.0, fields=FIELDS, reasons=[])
    assert store.transition(doc_id, Status.APPROVED, actor="worker:gpu", decision="approved")
    return doc_id


def test_user_b_cannot_read_user_as_document(
    api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey
) -> None:
    doc_id = decided_document(api, components, signing_key, "alice")
    stolen = api.get(f"/v1/documents/{doc_id}", headers=as_user(signing_key, "bob"))
    missing = api.get(f"/v1/documents/{'f' * 32}", headers=as_user(signing_key, "bob"))
    assert stolen.status_code == missing.status_code == 404
    assert stolen.json()["error"]["code"] == missing.json()["error"]["code"] == "document_not_found"


def test_the_owner_sees_full_fields_but_no_internal_details(
    api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey
) -> None:
    doc_id = decided_document(api, components, signing_key, "alice")
    body = api.get(f"/v1/documents/{doc_id}", headers=as_user(signing_key, "alice")).json()
    assert body["fields"] == FIELDS and body["status"] == "approved"
    assert {"owner", "correlation_id", "object_key", "sha256", "claim_id", "claimed_nik"}.isdisjoint(body)
    assert [event["by"] for event in body["history"]] == ["you"] + ["automatic"] * 4  # upload, queue, 3 by the worker
    assert all(set(event) == {"at", "status", "by"} for event in body["history"])


def test_a_service_sees_the_whole_record_and_history(
    api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey
) -> None:
    doc_id = decided_document(api, components, signing_key, "alice")
    body = api.get(f"/v1/documents/{doc_id}", headers=service(components)).json()
    assert body["owner"] == "alice" and body["fields"] == FIELDS and body["correlation_id"]
    assert [(e["from"], e["to"], e["actor"]) for e in body["history"]][-1] == ("scored", "approved", "worker:gpu")
    assert {"object_key", "sha256", "claim_id", "claimed_nik"}.isdisjoint(body)


def test_user_routes_refuse_a_service_key(api: httpx.Client, components: Components) -> None:
    response = api.post(
        "/v1/documents", files={"file": ("card.png", png_bytes(), "image/png")}, data={"type": "ktp"},
        headers=service(components),
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "user_route"


def test_service_routes_refuse_a_users_valid_token(
    api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey
) -> None:
    response = api.post(
        "/v1/review/callback", json={"document_id": "0" * 32, "decision": "approved"},
        headers=as_user(signing_key, "alice"),
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "service_route"


def test_a_service_key_with_a_users_token_is_ambiguous_not_either(
    api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey
) -> None:
    doc_id = decided_document(api, components, signing_key, "alice")
    response = api.get(f"/v1/documents/{doc_id}", headers={**service(components), **as_user(signing_key, "bob")})
    assert response.status_code == 401 and response.json()["error"]["code"] == "ambiguous_credentials"


def test_a_wrong_service_key_reads_nothing(api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey) -> None:
    doc_id = decided_document(api, components, signing_key, "alice")
    response = api.get(f"/v1/documents/{doc_id}", headers={"X-Service-Key": "guess"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_service_key"


def test_a_user_lists_only_their_own_documents_a_page_at_a_time(
    api: httpx.Client, components: Components, signing_key: rsa.RSAPrivateKey
) -> None:
    alices = [decided_document(api, components, signing_key, "alice") for _ in range(5)]
    bobs = decided_document(api, components, signing_key, "bob")
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/documents", params=params, headers=as_user(signing_key, "alice")).json()
        seen += [doc["id"] for doc in page["documents"]]
        assert all("fields" not in doc and "score" not in doc for doc in page["documents"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(alices)) and bobs not in seen  # newest first, each once
    only_bob = api.get("/v1/documents", headers=as_user(signing_key, "bob")).json()
    assert [doc["id"] for doc in only_bob["documents"]] == [bobs] and only_bob["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage!", "Zm9vfGJhcg", "MjAyNi0xMi0wMXx4"])
def test_a_forged_cursor_is_a_coded_error(api: httpx.Client, signing_key: rsa.RSAPrivateKey, cursor: str) -> None:
    response = api.get("/v1/documents", params={"cursor": cursor}, headers=as_user(signing_key, "alice"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"


def test_listing_refuses_a_service_key(api: httpx.Client, components: Components) -> None:
    response = api.get("/v1/documents", headers=service(components))
    assert response.status_code == 403 and response.json()["error"]["code"] == "user_route"
