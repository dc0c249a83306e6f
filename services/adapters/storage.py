"""Object storage for uploaded originals: a local folder now; S3/R2 joins behind the same Protocol later."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from services.errors import FilotError

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$")


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...


class LocalObjectStore:
    """Objects as files under a root folder; writes are atomic (temp file + rename) so readers never see halves."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY_RE.match(key) or ".." in key.split("/"):
            raise FilotError(f"invalid object key {key!r}", code="invalid_object_key")
        return self.root / key

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


def open_object_store(url: str) -> ObjectStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        # file://./var/objects is relative to the working directory; file:///abs/path is absolute.
        return LocalObjectStore(Path(parsed.netloc + parsed.path))
    raise FilotError(f"unsupported FILOT_STORAGE_URL scheme {parsed.scheme!r} (use file://)", code="invalid_setting")
