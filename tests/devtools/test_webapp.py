"""The local server of the web app (`make run`): the built files, the stage's security headers adapted to plain
http on loopback, a /config.json naming the local API, and nothing outside the build."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from devtools.webapp import create_web_app, local_headers
from stacks.web.security_headers import SECURITY_HEADERS_FILE
from tests.conftest import ServerThread

API = "http://127.0.0.1:8123"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text("<!doctype html><title>app</title>")
    (built / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    return built


def test_serves_the_build_its_config_and_the_single_page(serve: Callable[[object], ServerThread], dist: Path) -> None:
    web = serve(create_web_app(api_url=API + "/", dist=dist))
    config = httpx.get(f"{web.url}/config.json")
    assert config.json() == {"apiUrl": API, "auth": {"mode": "dev"}} and config.headers["cache-control"] == "no-cache"
    asset = httpx.get(f"{web.url}/assets/index-abc123.js")
    assert asset.text == "console.log(1)" and "immutable" in asset.headers["cache-control"]
    for path in ("/", "/documents/anything", "/assets/missing.js"):
        page = httpx.get(web.url + path)
        assert page.status_code == 200 and "<title>app</title>" in page.text, path


def test_nothing_outside_the_build_is_served(serve: Callable[[object], ServerThread], dist: Path) -> None:
    web = serve(create_web_app(api_url=API, dist=dist))
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        answer = httpx.get(web.url + path)
        assert "outside the build" not in answer.text, path
    assert httpx.post(f"{web.url}/index.html").status_code == 405


def test_every_response_carries_the_stage_headers_for_plain_http(
    serve: Callable[[object], ServerThread], dist: Path
) -> None:
    web = serve(create_web_app(api_url=API, dist=dist))
    headers = httpx.get(f"{web.url}/").headers
    policy = headers["content-security-policy"]
    assert f"connect-src 'self' {API};" in policy
    assert "upgrade-insecure-requests" not in policy and "{" not in policy
    stage = json.loads(SECURITY_HEADERS_FILE.read_text())
    for name, value in stage["headers"].items():
        assert headers[name] == value
    assert "upgrade-insecure-requests" in stage["content_security_policy"]  # a stage keeps it
    assert local_headers(API)["Content-Security-Policy"] == policy


def test_an_unbuilt_app_is_named_with_the_command_that_builds_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make web-build"):
        create_web_app(api_url=API, dist=tmp_path / "nothing")
