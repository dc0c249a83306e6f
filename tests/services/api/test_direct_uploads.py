"""Direct uploads over real HTTP: the API on loopback, S3 as a moto server, Redis as a real redis-server.

The client asks for a presigned PUT, sends the bytes straight to the bucket, then submits; the API verifies the
object exactly as a multipart upload before it becomes a document. moto itself checks no presigned signature or
expiry; `tests.moto_server.PresignCheck` in front of it refuses what S3 and R2 refuse (see that module).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from PIL import Image
from pydantic import SecretStr

from services.adapters.buli2 import Buli2Client
from services.adapters.ocr import TesseractEngine
from services.api.app import create_app
from services.api.uploads import check_upload
from services.application.effects import image_url
from services.core.lifecycle import Status
from services.platform.settings import Settings
from services.processes.worker import Worker
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.moto_server import BUCKET, MotoServer
from tests.services.api.helpers import bomb_png, png_bytes

ALICE = {"X-Dev-User": "alice"}
BOB = {"X-Dev-User": "bob"}
MAX_BYTES = 2_000_000
ZIP = b"PK\x03\x04" + b"\x14\x00" * 10 + b"payload.html" + b"\x00" * 40


@pytest.fixture
def components(settings: Settings, moto: MotoServer) -> Components:
    moto.create_bucket()
    return build_components(
        settings.model_copy(
            update={
                "storage_url": f"s3://{BUCKET}",
                "s3_endpoint_url": moto.endpoint_url,
                "s3_region": moto.region,
                "r2_access_key_id": SecretStr(moto.access_key_id),
                "r2_secret_access_key": SecretStr(moto.secret_access_key),
                "max_upload_bytes": MAX_BYTES,
                "max_image_pixels": 4_000_000,
            }
        )
    )


@pytest.fixture
def api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    return httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 220, 240)).save(buffer, format="JPEG")
    return buffer.getvalue()


def grant(
    api: httpx.Client, data: bytes, *, content_type: str = "image/png", headers: dict[str, str] = ALICE, **fields: Any
) -> dict[str, Any]:
    response = api.post(
        "/v1/documents/upload-url",
        json={"type": "ktp", "content_type": content_type, "size_bytes": len(data), **fields},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def put(upload: dict[str, Any], data: bytes, **header_changes: str) -> httpx.Response:
    return httpx.put(upload["upload_url"], content=data, headers={**upload["headers"], **header_changes})


def submit(api: httpx.Client, doc_id: str, headers: dict[str, str] = ALICE) -> httpx.Response:
    return api.post(f"/v1/documents/{doc_id}/submit", headers=headers)


def bucket_keys(moto: MotoServer) -> list[str]:
    listing = moto.client("s3").list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def gpu_queue(components: Components) -> list[Any]:
    return redis.Redis.from_url(components.settings.redis_url).lrange("filot:ocr:gpu:queue", 0, -1)


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_local_storage_answers_direct_upload_unavailable(settings: Settings, serve: Callable[[object], ServerThread]) -> None:
    api = httpx.Client(base_url=serve(create_app(settings)).url, timeout=30)
    asked = api.post(
        "/v1/documents/upload-url", json={"type": "ktp", "content_type": "image/png", "size_bytes": 10}, headers=ALICE
    )
    submitted = submit(api, "0" * 32)
    assert asked.status_code == submitted.status_code == 409
    assert error_code(asked) == error_code(submitted) == "direct_upload_unavailable"


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"type": "passport"}, 422, "unknown_document_type"),
        ({"content_type": "image/gif"}, 415, "unsupported_media_type"),
        ({"content_type": "text/html"}, 415, "unsupported_media_type"),
        ({"size_bytes": 0}, 400, "empty_file"),
        ({"size_bytes": MAX_BYTES + 1}, 413, "file_too_large"),
        ({"claimed_nik": "12345"}, 422, "invalid_claimed_nik"),
        ({"surprise": "field"}, 422, "invalid_request"),
        ({"size_bytes": "many"}, 422, "invalid_request"),
    ],
)
def test_bad_declarations_get_no_url(
    api: httpx.Client, moto: MotoServer, fields: dict[str, Any], status: int, code: str
) -> None:
    body = {"type": "ktp", "content_type": "image/png", "size_bytes": 1000, **fields}
    response = api.post("/v1/documents/upload-url", json=body, headers=ALICE)
    assert response.status_code == status, response.text
    assert error_code(response) == code


def test_an_upload_url_needs_a_user(api: httpx.Client) -> None:
    response = api.post("/v1/documents/upload-url", json={"type": "ktp", "content_type": "image/png", "size_bytes": 9})
    assert response.status_code == 401


def test_the_put_must_send_what_was_signed(api: httpx.Client, moto: MotoServer) -> None:
    data = png_bytes()
    upload = grant(api, data)
    assert upload["method"] == "PUT" and upload["expires_at"].endswith("Z")
    assert upload["headers"]["Content-Type"] == "image/png"
    assert upload["headers"]["Content-Length"] == str(len(data))
    assert upload["headers"]["x-amz-server-side-encryption"] == "AES256"

    page = b"<html><script>alert(1)</script></html>"
    html = put(upload, page, **{"Content-Type": "text/html", "Content-Length": str(len(page))})
    bigger = put(upload, data + b"\0" * 1000, **{"Content-Length": str(len(data) + 1000)})
    for refused in (html, bigger):
        assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    assert bucket_keys(moto) == []
    missing = submit(api, upload["id"])
    assert missing.status_code == 409 and error_code(missing) == "object_missing"

    # The pending upload survives a submit that came too early: PUT, then submit again.
    assert put(upload, data).status_code == 200
    assert submit(api, upload["id"]).status_code == 202


def test_direct_upload_is_verified_stored_encrypted_and_decided(
    api: httpx.Client, components: Components, moto: MotoServer, sample_dir: Path
) -> None:
    card = next(sample_dir.glob("*.png"))
    data = card.read_bytes()
    upload = grant(api, data, claimed_name="Alice A", claimed_nik="3171021708900001")
    doc_id = upload["id"]
    assert components.store.get(doc_id) is None  # no record before its bytes are checked
    assert put(upload, data).status_code == 200

    response = submit(api, doc_id)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["id"], body["status"], body["type"]) == (doc_id, "queued", "ktp")
    assert response.headers["location"] == f"/v1/documents/{doc_id}"
    assert gpu_queue(components) == [doc_id.encode()]

    record = components.store.get(doc_id)
    assert record is not None and record.owner == "alice" and record.claimed_nik == "3171021708900001"
    assert record.object_key == f"documents/{doc_id}/original.png"
    reencoded = check_upload(data, max_bytes=MAX_BYTES, max_pixels=4_000_000, declared_type="image/png").data
    assert components.objects.get(record.object_key) == reencoded
    assert bucket_keys(moto) == [record.object_key]  # the incoming object is gone
    head = moto.client("s3").head_object(Bucket=BUCKET, Key=record.object_key)
    assert head["ServerSideEncryption"] == "AES256"
    assert api.get(f"/v1/documents/{doc_id}", headers=ALICE).json()["status"] == "queued"

    # The reviewer's link is a presigned GET on the bucket, readable with plain HTTP.
    link = image_url(components, record)
    assert link.startswith(f"{moto.endpoint_url}/{BUCKET}/{record.object_key}?") and "X-Amz-Signature=" in link
    assert httpx.get(link).content == reencoded

    # A worker reads the object from S3 and decides.
    buli2 = Buli2Client(base_url="http://127.0.0.1:9", api_key="unused", timeout_s=1)
    engine = TesseractEngine(lang="ind+eng", psm=6, timeout_s=60)
    try:
        assert Worker(path="gpu", components=components, engine=engine, buli2=buli2).process_one() is True
    finally:
        buli2.close()
    decided = components.store.get(doc_id)
    assert decided is not None and decided.status in (Status.APPROVED, Status.REJECTED, Status.NEEDS_REVIEW)
    assert decided.score is not None


def test_submit_twice_answers_the_same_document_and_queues_it_once(api: httpx.Client, components: Components) -> None:
    data = png_bytes()
    upload = grant(api, data)
    put(upload, data)
    first, second = submit(api, upload["id"]), submit(api, upload["id"])
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert gpu_queue(components) == [upload["id"].encode()]
    assert [e["to_status"] for e in components.store.history(upload["id"])] == ["uploaded", "queued"]


def test_another_users_upload_answers_404_like_a_missing_one(api: httpx.Client, components: Components) -> None:
    data = png_bytes()
    upload = grant(api, data)
    put(upload, data)
    for doc_id in (upload["id"], "f" * 32, "not-an-id"):
        response = submit(api, doc_id, headers=BOB)
        assert response.status_code == 404 and error_code(response) == "document_not_found"
    assert components.store.get(upload["id"]) is None
    assert submit(api, upload["id"]).status_code == 202
    after = submit(api, upload["id"], headers=BOB)  # nor once it is a document
    assert after.status_code == 404 and error_code(after) == "document_not_found"


def test_a_put_after_submit_cannot_replace_the_verified_image(
    api: httpx.Client, components: Components, moto: MotoServer
) -> None:
    """The URL is still valid after submit; it only ever reaches `incoming/`, never the document's object."""
    data = png_bytes()
    upload = grant(api, data)
    put(upload, data)
    assert submit(api, upload["id"]).status_code == 202
    record = components.store.get(upload["id"])
    assert record is not None
    stored = components.objects.get(record.object_key)
    swapped = b"\x89PNG\r\n\x1a\n" + b"<script>" + b"\0" * (len(data) - 16)
    assert put(upload, swapped).status_code == 200
    assert components.objects.get(record.object_key) == stored
    assert submit(api, upload["id"]).json()["id"] == upload["id"]  # and nothing is re-verified or re-queued
    assert gpu_queue(components) == [upload["id"].encode()]


def truncated_png() -> bytes:
    return png_bytes()[:60]


@pytest.mark.parametrize(
    ("name", "data", "declared", "status", "code"),
    [
        ("not an image", b"just some text, not an image at all", "image/png", 415, "unsupported_media_type"),
        ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 100, "image/png", 415, "unsupported_media_type"),
        ("png followed by a zip", png_bytes() + ZIP, "image/png", 400, "polyglot_file"),
        ("png declared as jpeg", png_bytes(), "image/jpeg", 415, "content_type_mismatch"),
        ("jpeg declared as png", jpeg_bytes(), "image/png", 415, "content_type_mismatch"),
        ("truncated", truncated_png(), "image/png", 400, "image_undecodable"),
        ("decompression bomb", bomb_png(), "image/png", 413, "image_too_large"),
    ],
)
def test_a_refused_object_is_deleted_and_gets_the_multipart_routes_code(
    api: httpx.Client,
    components: Components,
    moto: MotoServer,
    name: str,
    data: bytes,
    declared: str,
    status: int,
    code: str,
) -> None:
    upload = grant(api, data, content_type=declared)
    assert put(upload, data).status_code == 200, name
    response = submit(api, upload["id"])
    assert response.status_code == status, response.text
    assert error_code(response) == code and response.json()["error"]["message"]
    assert bucket_keys(moto) == []
    assert components.store.get(upload["id"]) is None and gpu_queue(components) == []


@pytest.mark.parametrize(
    ("size", "status", "code"), [(MAX_BYTES + 1, 413, "file_too_large"), (100, 400, "size_mismatch")]
)
def test_an_object_not_of_the_signed_size_is_refused(
    api: httpx.Client, components: Components, moto: MotoServer, size: int, status: int, code: str
) -> None:
    """A store that ignored the signed Content-Length (or a writer with the bucket's keys) is caught at submit."""
    upload = grant(api, png_bytes())
    key = upload["upload_url"].split(f"/{BUCKET}/", 1)[1].split("?", 1)[0]
    moto.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8))
    response = submit(api, upload["id"])
    assert response.status_code == status and error_code(response) == code
    assert bucket_keys(moto) == []
    assert components.store.get(upload["id"]) is None


def test_the_multipart_route_still_stores_in_s3(api: httpx.Client, components: Components, moto: MotoServer) -> None:
    response = api.post(
        "/v1/documents", files={"file": ("c.png", png_bytes(), "image/png")}, data={"type": "npwp"}, headers=ALICE
    )
    assert response.status_code == 202, response.text
    doc_id = response.json()["id"]
    assert bucket_keys(moto) == [f"documents/{doc_id}/original.png"]
    assert gpu_queue(components) == [doc_id.encode()]
