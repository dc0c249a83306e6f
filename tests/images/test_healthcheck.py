"""images/healthcheck.py: the API is alive while it answers HTTP (even 503), a worker while its process runs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from devtools.devservers import free_port, stop, wait_until

SCRIPT = Path(__file__).resolve().parents[2] / "images" / "healthcheck.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("filot_healthcheck", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("commands", "healthy"),
    [
        (
            [
                ["/usr/bin/tini", "--", "/usr/local/bin/filot-entrypoint"],
                ["python", "-m", "services", "worker", "--path", "gpu"],
            ],
            True,
        ),
        ([["python", "-m", "services", "worker", "--path", "cpu"]], True),
        ([["/usr/bin/tini", "--", "/usr/local/bin/filot-entrypoint"]], False),
        ([["python", "-m", "devtools.samples"]], False),
    ],
)
def test_a_worker_is_healthy_while_its_process_runs(
    monkeypatch: pytest.MonkeyPatch, commands: list[list[str]], healthy: bool
) -> None:
    healthcheck = _load()
    monkeypatch.setattr(healthcheck, "_commands", lambda: commands)
    assert healthcheck.main() == (0 if healthy else 1)


def test_the_api_is_healthy_while_it_answers_and_unhealthy_once_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FILOT_API_PORT": str(port),
        "FILOT_STAGE": "local",
        # Nothing listens here: /health answers 503, and the API is still alive.
        "FILOT_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "FILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'filot.db'}",
        "FILOT_STORAGE_URL": f"file://{tmp_path / 'objects'}",
    }
    healthcheck = _load()
    # As inside the API container, where the only `-m services` process is the API.
    monkeypatch.setattr(healthcheck, "_commands", lambda: [["python", "-m", "services", "api"]])
    monkeypatch.setenv("FILOT_API_PORT", str(port))
    assert healthcheck.main() == 1  # not up yet
    api = subprocess.Popen(
        [sys.executable, "-m", "services", "api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        wait_until(lambda: healthcheck.main() == 0, timeout=30, what="the API to answer the health check")
    finally:
        stop(api)
    assert healthcheck.main() == 1


def test_it_sees_the_processes_of_its_container() -> None:
    healthcheck = _load()
    own = Path(f"/proc/{os.getpid()}/cmdline").read_bytes().split(b"\0")[0].decode()
    assert any(argv and argv[0] == own for argv in healthcheck._commands())
