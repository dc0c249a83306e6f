"""Object storage for uploaded originals: a local folder by default, or an S3-API bucket (Cloudflare R2, AWS S3).

Only the S3 store can hand out presigned URLs: clients upload straight to the bucket and reviewers read from it.
"""

from __future__ import annotations

import mimetypes
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlparse

from services.platform.errors import FilotError

if TYPE_CHECKING:
    from services.platform.settings import Settings

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$")


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None


@dataclass(frozen=True)
class PresignedUpload:
    """What a client needs to PUT one object: the URL, the exact headers it must send, and its expiry (epoch s)."""

    url: str
    headers: dict[str, str]
    expires_at: int


@runtime_checkable
class PresigningStore(ObjectStore, Protocol):
    """A store clients reach directly through short-lived signed URLs."""

    def head(self, key: str) -> ObjectInfo | None: ...

    def delete(self, key: str) -> None: ...

    def presigned_put(self, key: str, *, content_type: str, content_length: int, ttl_s: int) -> PresignedUpload: ...

    def presigned_get(self, key: str, *, ttl_s: int) -> str: ...


def _checked_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/"):
        raise FilotError(f"invalid object key {key!r}", code="invalid_object_key")
    return key


class LocalObjectStore:
    """Objects as files under a root folder; writes are atomic (temp file + rename) so readers never see halves."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _checked_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise FilotError(f"object {key!r} not found", code="object_not_found") from exc

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing object succeeds."""
        self._path(key).unlink(missing_ok=True)


# S3 error codes that mean "no such object" (HEAD answers a bare 404 without a body).
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3ObjectStore:
    """Objects in an S3-API bucket under an optional key prefix; every write requests server-side encryption.

    `client` is a boto3 S3 client; build one from settings with `S3ObjectStore.from_settings`.
    """

    def __init__(self, *, bucket: str, client: Any, prefix: str = "", sse: str | None = "AES256") -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client
        self.sse = sse

    @classmethod
    def from_settings(cls, *, bucket: str, prefix: str, settings: Settings | None) -> S3ObjectStore:
        import boto3  # type: ignore[import-untyped,unused-ignore]
        from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]

        endpoint = (settings.s3_endpoint_url if settings else None) or None  # "" (an unset secret) is none
        region = (settings.s3_region if settings else None) or None
        options: dict[str, Any] = {
            "endpoint_url": endpoint,
            # R2 names its one region "auto"; AWS S3 needs the bucket's real region (boto3's default chain).
            "region_name": region or ("auto" if endpoint else None),
            "config": Config(
                signature_version="s3v4",
                # Path style works on R2, AWS and a loopback test server alike (no bucket.host DNS names).
                s3={"addressing_style": "path" if endpoint else "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                # Checksums only where S3 requires them: not every S3 API (older R2) accepts the new defaults.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        }
        if settings and settings.r2_access_key_id and settings.r2_secret_access_key:
            options["aws_access_key_id"] = settings.r2_access_key_id.get_secret_value()
            options["aws_secret_access_key"] = settings.r2_secret_access_key.get_secret_value()
        sse = settings.s3_server_side_encryption if settings else "AES256"
        return cls(bucket=bucket, prefix=prefix, client=boto3.client("s3", **options), sse=sse)

    def _key(self, key: str) -> str:
        _checked_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _sse(self) -> dict[str, str]:
        return {"ServerSideEncryption": self.sse} if self.sse else {}

    def put(self, key: str, data: bytes) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        with _storage_errors(key):
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type, **self._sse()
            )

    def get(self, key: str) -> bytes:
        with _storage_errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(response["Body"].read())

    def head(self, key: str) -> ObjectInfo | None:
        """Size and content type, or None when there is no such object."""
        try:
            with _storage_errors(key):
                response = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except FilotError as exc:
            if exc.code == "object_not_found":
                return None
            raise
        return ObjectInfo(size=int(response["ContentLength"]), content_type=response.get("ContentType"))

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing object succeeds."""
        with _storage_errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def presigned_put(self, key: str, *, content_type: str, content_length: int, ttl_s: int) -> PresignedUpload:
        """A PUT URL whose signature covers Content-Type, Content-Length and the encryption header.

        A store that checks signatures (S3, R2) refuses a body of another size or type; the client must send
        exactly `headers`.
        """
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ContentType": content_type,
            "ContentLength": content_length,
            **self._sse(),
        }
        expires_at = int(time.time()) + ttl_s
        url = self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=ttl_s)
        headers = {"Content-Type": content_type, "Content-Length": str(content_length)}
        if self.sse:
            headers["x-amz-server-side-encryption"] = self.sse
        return PresignedUpload(url=url, headers=headers, expires_at=expires_at)

    def presigned_get(self, key: str, *, ttl_s: int) -> str:
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        return str(self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_s))


@contextmanager
def _storage_errors(key: str) -> Iterator[None]:
    """botocore failures as FilotError codes: object_not_found, else storage_unavailable (never credentials)."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped,unused-ignore]

    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise FilotError(f"object {key!r} not found", code="object_not_found") from exc
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise FilotError(
            f"object storage refused {exc.operation_name} on {key!r}: {code or status}", code="storage_unavailable"
        ) from exc
    except BotoCoreError as exc:
        raise FilotError(
            f"object storage unreachable for {key!r}: {type(exc).__name__}", code="storage_unavailable"
        ) from exc


def open_object_store(url: str, settings: Settings | None = None) -> ObjectStore:
    """file://folder (the default) or s3://bucket/optional-prefix, with the S3 endpoint and keys from `settings`."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        # file://./var/objects is relative to the working directory; file:///abs/path is absolute.
        return LocalObjectStore(Path(parsed.netloc + parsed.path))
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise FilotError("FILOT_STORAGE_URL s3://bucket needs a bucket name", code="invalid_setting")
        return S3ObjectStore.from_settings(bucket=parsed.netloc, prefix=parsed.path, settings=settings)
    raise FilotError(
        f"unsupported FILOT_STORAGE_URL scheme {parsed.scheme!r} (use file:// or s3://)", code="invalid_setting"
    )
