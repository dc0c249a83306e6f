"""Object storage: the local folder (round trip, atomic writes, keys that cannot escape the root) and the S3 API
(moto server: encryption requested, error codes, presigned GET and PUT bound to what was signed, expiry)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from devtools.devservers import free_port
from services.adapters.storage import LocalObjectStore, ObjectInfo, PresigningStore, S3ObjectStore, open_object_store
from services.platform.errors import FilotError
from services.platform.settings import Settings
from tests.moto_server import BUCKET, MotoServer


def test_round_trip_and_overwrite(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put("documents/abc/original.png", b"one")
    store.put("documents/abc/original.png", b"two")
    assert store.get("documents/abc/original.png") == b"two"
    assert [p.name for p in (tmp_path / "documents" / "abc").iterdir()] == ["original.png"]  # no temp files left


@pytest.mark.parametrize("key", ["../escape", "documents/../../etc/passwd", "/abs", "", "a\\b"])
def test_keys_that_could_escape_the_root_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(FilotError) as caught:
        LocalObjectStore(tmp_path).put(key, b"x")
    assert caught.value.code == "invalid_object_key"


def test_missing_object_has_a_code(tmp_path: Path) -> None:
    with pytest.raises(FilotError) as caught:
        LocalObjectStore(tmp_path).get("documents/none.png")
    assert caught.value.code == "object_not_found"


def test_url_selects_the_backend(tmp_path: Path) -> None:
    store = open_object_store(f"file://{tmp_path}/objects")
    store.put("k", b"v")
    assert (tmp_path / "objects" / "k").read_bytes() == b"v"
    with pytest.raises(FilotError) as caught:
        open_object_store("ftp://example/bucket")
    assert caught.value.code == "invalid_setting"


# S3 API (R2 in production) against moto in server mode on loopback; presigned URLs checked as S3 checks them.


@pytest.fixture
def s3_settings(settings: Settings, moto: MotoServer) -> Settings:
    moto.create_bucket()
    return settings.model_copy(
        update={
            "storage_url": f"s3://{BUCKET}/filot",
            "s3_endpoint_url": moto.endpoint_url,
            "s3_region": moto.region,
            "r2_access_key_id": SecretStr(moto.access_key_id),
            "r2_secret_access_key": SecretStr(moto.secret_access_key),
        }
    )


@pytest.fixture
def s3(s3_settings: Settings) -> S3ObjectStore:
    store = open_object_store(s3_settings.storage_url, s3_settings)
    assert isinstance(store, S3ObjectStore) and isinstance(store, PresigningStore)
    return store


def test_s3_round_trip_under_the_prefix_with_encryption_requested(s3: S3ObjectStore, moto: MotoServer) -> None:
    s3.put("documents/abc/original.png", b"one")
    s3.put("documents/abc/original.png", b"two")
    assert s3.get("documents/abc/original.png") == b"two"
    head = moto.client("s3").head_object(Bucket=BUCKET, Key="filot/documents/abc/original.png")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "image/png"
    assert s3.head("documents/abc/original.png") == ObjectInfo(size=3, content_type="image/png")


def test_s3_missing_object_has_a_code_and_delete_is_idempotent(s3: S3ObjectStore) -> None:
    with pytest.raises(FilotError) as caught:
        s3.get("documents/none.png")
    assert caught.value.code == "object_not_found"
    assert s3.head("documents/none.png") is None
    s3.put("documents/gone.png", b"x")
    s3.delete("documents/gone.png")
    s3.delete("documents/gone.png")
    assert s3.head("documents/gone.png") is None


@pytest.mark.parametrize("key", ["../escape", "documents/../../etc/passwd", "/abs", ""])
def test_s3_keys_are_checked_like_local_ones(s3: S3ObjectStore, key: str) -> None:
    with pytest.raises(FilotError) as caught:
        s3.put(key, b"x")
    assert caught.value.code == "invalid_object_key"


def test_s3_credentials_come_from_the_default_chain_when_no_r2_keys_are_set(s3_settings: Settings) -> None:
    """The `moto` fixture puts dummy AWS_* credentials in the environment: boto3's default chain finds them."""
    store = open_object_store(
        s3_settings.storage_url,
        s3_settings.model_copy(update={"r2_access_key_id": None, "r2_secret_access_key": None}),
    )
    store.put("k.png", b"v")
    assert store.get("k.png") == b"v"


def test_s3_unreachable_is_storage_unavailable(s3_settings: Settings) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    store = open_object_store(s3_settings.storage_url, s3_settings.model_copy(update={"s3_endpoint_url": closed}))
    with pytest.raises(FilotError) as caught:
        store.get("documents/x.png")
    assert caught.value.code == "storage_unavailable"
    assert "testing" not in caught.value.message  # never a credential in the message


def test_s3_url_needs_a_bucket() -> None:
    with pytest.raises(FilotError) as caught:
        open_object_store("s3:///prefix-only")
    assert caught.value.code == "invalid_setting"


def test_presigned_get_works_with_plain_http_and_expires(s3: S3ObjectStore) -> None:
    s3.put("documents/abc/original.png", b"\x89PNG image")
    fresh = httpx.get(s3.presigned_get("documents/abc/original.png", ttl_s=60))
    assert fresh.status_code == 200 and fresh.content == b"\x89PNG image"
    assert fresh.headers["content-type"] == "image/png"

    short = s3.presigned_get("documents/abc/original.png", ttl_s=1)
    time.sleep(2.1)  # X-Amz-Date has whole seconds
    expired = httpx.get(short)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_presigned_put_binds_type_length_and_encryption(s3: S3ObjectStore, moto: MotoServer) -> None:
    """The signature covers Content-Type, Content-Length and x-amz-server-side-encryption, so a store that
    checks signatures (S3, R2; here PresignCheck in front of moto) refuses a PUT that changes any of them."""
    upload = s3.presigned_put("incoming/abc.png", content_type="image/png", content_length=5, ttl_s=60)
    assert upload.headers == {
        "Content-Type": "image/png",
        "Content-Length": "5",
        "x-amz-server-side-encryption": "AES256",
    }
    assert upload.expires_at - time.time() == pytest.approx(60, abs=2)
    signed = dict(parse_qsl(urlsplit(upload.url).query))["X-Amz-SignedHeaders"].split(";")
    assert {"content-type", "content-length", "x-amz-server-side-encryption", "host"} <= set(signed)

    other_type = httpx.put(upload.url, content=b"<svg>", headers={**upload.headers, "Content-Type": "text/html"})
    longer = httpx.put(upload.url, content=b"hello world", headers={**upload.headers, "Content-Length": "11"})
    no_encryption = httpx.put(upload.url, content=b"hello", headers={"Content-Type": "image/png"})
    for refused in (other_type, longer, no_encryption):
        assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    assert s3.head("incoming/abc.png") is None

    assert httpx.put(upload.url, content=b"hello", headers=upload.headers).status_code == 200
    head = moto.client("s3").head_object(Bucket=BUCKET, Key="filot/incoming/abc.png")
    assert (head["ContentLength"], head["ContentType"], head["ServerSideEncryption"]) == (5, "image/png", "AES256")


def test_presigned_put_expires(s3: S3ObjectStore) -> None:
    upload = s3.presigned_put("incoming/late.png", content_type="image/png", content_length=5, ttl_s=1)
    time.sleep(2.1)
    late = httpx.put(upload.url, content=b"hello", headers=upload.headers)
    assert late.status_code == 403 and b"Request has expired" in late.content
    assert s3.head("incoming/late.png") is None
