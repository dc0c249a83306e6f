"""Fixtures that start real servers on loopback: a private redis-server per session, the API and the
reviewer under uvicorn in threads, and settings pointing every adapter at a per-test folder."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

import pytest
import redis
import uvicorn

from devtools.buli2_standin.settings import StandinSettings
from devtools.devservers import free_port, redis_answers, redis_argv, stop, wait_until
from tests.components import MISSING

pytest_plugins = ["tests.postgres", "tests.moto_server"]  # postgres_url: real PostgreSQL; moto: AWS APIs
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
STRICT = os.environ.get("FILOT_TEST_STRICT") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Strict mode: a skip for a missing real component (tests/components.py) fails the test instead."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if STRICT and report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if MISSING in reason:
            report.outcome = "failed"
            report.longrepr = f"FILOT_TEST_STRICT=1 and a real component is missing: {reason}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real redis-server on a free loopback port for the whole session; stopped at the end."""
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(redis_argv(port, workdir=workdir), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def alive() -> None:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")

    wait_until(lambda: redis_answers(port), timeout=20, what="redis-server", alive=alive)
    yield port
    stop(process)


@pytest.fixture
def redis_url(redis_server: int) -> str:
    """A clean database for each test, as rq's tests do."""
    url = f"redis://127.0.0.1:{redis_server}/0"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> StandinSettings:
    """The services' settings for one test, with the BULI2 stand-in's beside them (StandinSettings extends them), so
    one object configures both ends of the review loop."""
    return StandinSettings(
        stage="local",
        dev_auth=True,
        redis_url=redis_url,
        database_url=f"sqlite:///{tmp_path / 'filot.db'}",
        storage_url=f"file://{tmp_path / 'objects'}",
        worker_poll_interval_s=0.05,
        reviewer_auto_decide_s=0.0,
        reviewer_database_url=f"sqlite:///{tmp_path / 'reviewer.db'}",
    )


class ServerThread:
    """uvicorn serving an ASGI app on a free loopback port in a thread: a real HTTP server for tests."""

    def __init__(self, app: object, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", server_header=False, proxy_headers=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=20, what="uvicorn")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def serve() -> Iterator[Callable[[object], ServerThread]]:
    """Start any number of ASGI apps on loopback; all are stopped after the test."""
    servers: list[ServerThread] = []

    def start(app: object, port: int | None = None) -> ServerThread:
        server = ServerThread(app, port).__enter__()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo sample set (13 cards with ground truth), generated once per session."""
    from devtools.samples.generate import generate_set

    out = tmp_path_factory.mktemp("samples")
    generate_set(out, seed=7)
    return out
