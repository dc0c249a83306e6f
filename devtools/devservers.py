"""Starting real servers on loopback for local runs and tests: a private redis-server, waits on HTTP health."""

from __future__ import annotations

import os
import shutil
import socket

# bandit B404: local development servers, named by our code
import subprocess
import sys  # nosec B404
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_argv(port: int, *, workdir: Path) -> list[str]:
    """A throw-away redis-server: loopback only, no persistence, files in `workdir`."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server not found (Debian package redis-server; `make run` installs it)")
    return [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)]


def wait_until(ready: Callable[[], bool], *, timeout: float, what: str, alive: Callable[[], None] = lambda: None) -> None:
    """Poll `ready` until true; `alive` raises when a child died, so a crash is reported at once, not as a timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f}s")


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


def stop(process: subprocess.Popen[bytes], *, grace_s: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Processes:
    """Named child processes, each logging to `<log_dir>/<name>.log`; all stopped (TERM, then KILL) at the end.

    A child can be killed and started again under the same name (the chaos run does), with the same command.
    """

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        self._commands[name] = (argv, env)
        with (self.log_dir / f"{name}.log").open("ab") as log:
            # bandit B603: argv built by our code (redis-server, our modules), no shell
            child = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # nosec B603
        self._children[name] = child
        return child

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, as when a machine or container dies."""
        child = self._children[name]
        child.kill()
        child.wait()

    def restart(self, name: str) -> subprocess.Popen[bytes]:
        argv, env = self._commands[name]
        return self.start(name, argv, env)

    def check_alive(self) -> None:
        for name, child in self._children.items():
            if child.poll() is not None:
                raise RuntimeError(f"{name} exited with {child.returncode}; see {self.log_dir / (name + '.log')}")

    def stop_all(self) -> None:
        for child in reversed(list(self._children.values())):
            if child.poll() is None:
                child.terminate()
        for child in reversed(list(self._children.values())):
            stop(child, grace_s=15)


def local_environment(workdir: Path, *, ports: dict[str, int], review_delay_s: float | None) -> dict[str, str]:
    """Settings for a whole platform on this machine: everything under `workdir`, services on `ports`
    (keys redis, api, reviewer, and web when the web app is served: the API then admits its origin for CORS), the
    local reviewer deciding after `review_delay_s` (None: by hand)."""
    web = {"FILOT_CORS_ORIGINS": f"http://127.0.0.1:{ports['web']}"} if "web" in ports else {}
    return {
        **os.environ,
        "FILOT_STAGE": "local",
        "FILOT_DEV_AUTH": "true",
        "FILOT_REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "FILOT_DATABASE_URL": f"sqlite:///{workdir / 'filot.db'}",
        "FILOT_STORAGE_URL": f"file://{workdir / 'objects'}",
        "FILOT_API_PORT": str(ports["api"]),
        "FILOT_API_URL": f"http://127.0.0.1:{ports['api']}",
        "FILOT_BULI2_URL": f"http://127.0.0.1:{ports['reviewer']}",
        "FILOT_REVIEWER_PORT": str(ports["reviewer"]),
        "FILOT_REVIEWER_AUTO_DECIDE_S": "null" if review_delay_s is None else str(review_delay_s),
        "FILOT_REVIEWER_DATABASE_URL": f"sqlite:///{workdir / 'reviewer.db'}",
        "OMP_THREAD_LIMIT": "1",
        **web,
    }


SERVICES = [sys.executable, "-m", "services"]
STANDIN = [sys.executable, "-m", "devtools", "reviewer"]
WEBAPP = [sys.executable, "-m", "devtools", "webapp"]


def start_local_stack(
    processes: Processes,
    env: dict[str, str],
    *,
    redis_port: int,
    redis_dir: Path,
    redis_args: Sequence[str] = (),
    workers: Sequence[tuple[str, str]] = (("worker-gpu", "gpu"), ("worker-cpu", "cpu")),
    reconcile_every_s: float | None = 2.0,
    launch: Callable[[str, list[str], dict[str, str]], object] | None = None,
    web_port: int | None = None,
    web_args: Sequence[str] = (),
) -> None:
    """The one boot sequence of the local platform (the demo, the chaos run, the end-to-end tests and the pipeline
    bench): redis-server, then the API, the BULI2 stand-in, the workers (name, path) and the reconciler every
    reconcile_every_s (as the scheduled function does in production; None: none); returns once the API and the
    stand-in answer. launch starts one process (default processes.start; the bench pins vCPUs); processes stops them.
    web_port: the built web app is served there too (devtools.webapp, with web_args), calling this API.
    """
    alive = processes.check_alive
    start = launch or processes.start
    start("redis", [*redis_argv(redis_port, workdir=redis_dir), *redis_args], env)
    wait_until(lambda: redis_answers(redis_port), timeout=20, what="redis-server", alive=alive)
    start("api", [*SERVICES, "api"], env)
    start("reviewer", STANDIN, env)
    for name, path in workers:
        start(name, [*SERVICES, "worker", "--path", path], env)
    if reconcile_every_s is not None:
        start("reconciler", [*SERVICES, "reconcile", "--every", f"{reconcile_every_s:g}"], env)
    wait_until(lambda: http_answers(f"{env['FILOT_API_URL']}/health"), timeout=60, what="the API", alive=alive)
    wait_until(lambda: http_answers(f"{env['FILOT_BULI2_URL']}/health"), timeout=60, what="the reviewer", alive=alive)
    if web_port is not None:
        start("web", [*WEBAPP, "--port", str(web_port), "--api-url", env["FILOT_API_URL"], *web_args], env)
        wait_until(lambda: http_answers(f"http://127.0.0.1:{web_port}/config.json"), timeout=30, what="the web app", alive=alive)
