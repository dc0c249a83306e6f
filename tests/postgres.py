"""Pytest plugin: a real PostgreSQL server (Debian's `postgresql`) for the session, a fresh database per test.

Postgres refuses to run as root, so under root (as in CI) initdb and the server run as the `postgres` OS
user, in a temporary directory that user owns. The server listens on loopback only, on a free port, with
its socket in that directory and fsync off (the data is thrown away), and asks for a password over TCP
(scram-sha-256) as Neon does. Without the binaries, every test that needs the server is skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from devtools.devservers import free_port, stop, wait_until
from tests.components import skip_missing

MISSING = "Debian package postgresql not installed (`make test` installs it)"
SUPERUSER = "postgres"
# Not a secret: a throw-away server on loopback. A password, so tests go through authentication as production does.
PASSWORD = "filot-test-secret"
# Not UTC on purpose: the store must hand back UTC whatever the session time zone is.
SERVER_TIMEZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    log: Path

    def url(self, database: str, *, password: str = PASSWORD) -> str:
        return f"postgresql://{SUPERUSER}:{password}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[Any]:
        """An autocommit superuser connection (CREATE DATABASE cannot run in a transaction)."""
        return psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, password=PASSWORD, dbname=database, autocommit=True
        )

    def answers(self) -> bool:
        try:
            with psycopg.connect(
                host=self.host, port=self.port, user=SUPERUSER, password=PASSWORD, dbname="postgres", connect_timeout=1
            ):
                return True
        except psycopg.OperationalError:
            return False


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL (/usr/lib/postgresql/<major>/bin), else the one `initdb` on PATH is in."""
    debian = sorted(
        (path for path in Path("/usr/lib/postgresql").glob("*/bin") if path.parent.name.isdigit()),
        key=lambda path: int(path.parent.name),
        reverse=True,
    )
    on_path = shutil.which("initdb")
    for bindir in [*debian, *([Path(on_path).resolve().parent] if on_path else [])]:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    return None


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: ourselves, or the `postgres` OS user when we are root (the server refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        skip_missing(f"no `postgres` OS user to run the server as, and root may not: {MISSING}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the whole session; stopped (fast shutdown) and deleted at the end."""
    bindir = find_bindir()
    if bindir is None:
        skip_missing(f"PostgreSQL server binaries (initdb, postgres) not found: {MISSING}")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="filot-postgres-"))
    as_user: dict[str, Any] = {}
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "LC_ALL": "C", "HOME": str(root), "TZ": "UTC"}
    log_path = root / "server.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        (root / "pwfile").write_text(PASSWORD + "\n")
        if user is not None:
            os.chown(root / "pwfile", user.pw_uid, user.pw_gid)
        initdb = [
            str(bindir / "initdb"),
            *("-D", str(root / "data"), "-U", SUPERUSER, "--pwfile", str(root / "pwfile")),
            *("--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync"),
        ]
        done = subprocess.run(initdb, cwd=root, env=env, capture_output=True, text=True, check=False, **as_user)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "timezone": SERVER_TIMEZONE,
        }
        argv = [str(bindir / "postgres"), "-D", str(root / "data"), "-p", str(port)]
        argv += [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **as_user
            )
        server = PostgresServer(host="127.0.0.1", port=port, log=log_path)
        started = process

        def alive() -> None:
            if started.poll() is not None:
                raise RuntimeError(f"postgres exited with {started.returncode}: {_tail(log_path)}")

        wait_until(server.answers, timeout=60, what="postgres", alive=alive)
        yield server
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: ends sessions a test left open; TERM would wait
            stop(process, grace_s=20)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database for one test (the URL carries the password, as Neon's does); dropped after it."""
    name = f"filot_test_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_server.url(name)
    with postgres_server.connect() as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
