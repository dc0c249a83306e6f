"""Local object storage: round trip, atomic writes, and keys that cannot escape the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.adapters.storage import LocalObjectStore, open_object_store
from services.errors import FilotError


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
