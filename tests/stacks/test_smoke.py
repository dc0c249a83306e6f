"""python -m stacks.smoke against the real API on loopback: passes on a healthy stage, fails (naming what it saw)
when a dependency is down, and on an address where no API answers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devtools.devservers import free_port
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
