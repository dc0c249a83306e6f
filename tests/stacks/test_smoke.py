"""python -m stacks.smoke against the real API on loopback: passes on a healthy stage, fails (naming what it saw)
when a dependency is down, and on an address where no API answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devtools.devservers import free_port
from devtools.webapp import create_web_app
from services.api.app import create_app
from services.platform.settings import Settings
from services.wiring import build_components
from stacks.smoke import main
from tests.conftest import ServerThread


@pytest.fixture
def api_url(settings: Settings, serve: Callable[[object], ServerThread]) -> str:
    return serve(create_app(components=build_components(settings))).url


def test_a_healthy_stage_passes(api_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", api_url, "--attempts", "1"]) == 0
    out = capsys.readouterr().out
    assert "ok    live: GET /health/live -> 200" in out
    assert "ok    refuses an anonymous caller: GET /v1/documents without a token -> 401 code=" in out


def test_a_dependency_down_fails_readiness_and_says_which(
    settings: Settings, serve: Callable[[object], ServerThread], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    url = serve(create_app(components=build_components(broken))).url
    assert main(["--url", url, "--attempts", "2", "--wait", "0"]) == 1
    captured = capsys.readouterr()
    assert "FAIL  ready: GET /health -> 503" in captured.out
    assert "redis" in captured.out.lower()
    assert "ok    live" in captured.out  # the process itself is up: no reason to replace it
    assert "attempt 1/2 failed" in captured.err


def test_nothing_listening_fails_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", f"http://127.0.0.1:{free_port()}", "--attempts", "1"]) == 1
    assert "FAIL  reachable: ConnectError" in capsys.readouterr().out


def test_the_web_app_is_checked_beside_its_api(
    settings: Settings, serve: Callable[..., ServerThread], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The local web server stands in for CloudFront: the same headers file and the /config.json the deploy writes."""
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text('<!doctype html><script type="module" src="/assets/a.js"></script>')
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    api = serve(create_app(components=build_components(settings.model_copy(update={"cors_origins": [web_url]}))))
    serve(create_web_app(api_url=api.url, dist=tmp_path / "dist"), web_port)
    assert main(["--url", api.url, "--web-url", web_url, "--attempts", "1"]) == 0
    out = capsys.readouterr().out
    assert f"ok    web app page: GET {web_url}/ -> 200; CSP connect-src names {api.url}; script-src strict" in out
    assert f"ok    web app config: GET /config.json -> 200 apiUrl={api.url}" in out
    assert "ok    API admits the web app's origin" in out

    # The API deployed without the web app's origin in its CORS list: the app could not call it.
    closed = serve(create_app(components=build_components(settings)))
    other_port = free_port()
    serve(create_web_app(api_url=closed.url, dist=tmp_path / "dist"), other_port)
    assert main(["--url", closed.url, "--web-url", f"http://127.0.0.1:{other_port}", "--attempts", "1"]) == 1
    assert "FAIL  API admits the web app's origin" in capsys.readouterr().out

