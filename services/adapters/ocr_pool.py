"""A pool of warm OCR engine processes: one per vCPU, each a plain `python -m services.adapters.ocr_pool`
child with `OMP_THREAD_LIMIT=1`, its models loaded once, fed one document at a time over its own socket.

Each engine is a separate process with its own connection (not a ProcessPoolExecutor, whose one dead
process breaks every document in flight and restarts all engines): a crashed engine is replaced alone, and
the document it was reading is read again on the replacement; a second crash on the same document raises
OcrError `ocr_engine_crashed`, so the queue retries it on another path or attempt. Nothing is lost.

Children are started with exec, not fork: the worker has threads by then, and the child imports only
this module (a forked or spawned multiprocessing child would re-import the worker's whole command line).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import socket

# bandit B404: starts our own engine processes only
import subprocess  # nosec B404
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from services.adapters.ocr import EngineSpec, OcrEngine
from services.core.model import OcrLine
from services.platform.errors import FilotError, OcrError

log = logging.getLogger("filot.ocr")

T = TypeVar("T")
_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding services/
_READY_TIMEOUT_S = 120.0  # Python start, imports and model load of one engine, on a busy machine
_CLOSE_GRACE_S = 2.0


def read_lines_in_engine(engine: OcrEngine, gray: np.ndarray) -> list[OcrLine]:
    return engine.read_lines(gray)


def read_line_in_engine(engine: OcrEngine, gray: np.ndarray, charset: str) -> list[OcrLine]:
    return engine.read_line(gray, charset=charset)


def read_line_batch_in_engine(engine: OcrEngine, crops: Sequence[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
    return engine.read_line_batch(crops)


def timed_read_lines_in_engine(engine: OcrEngine, gray: np.ndarray) -> tuple[list[OcrLine], float]:
    """read_lines and the seconds it took inside the engine process (benchmarks: the engine alone)."""
    started = time.perf_counter()
    lines = engine.read_lines(gray)
    return lines, time.perf_counter() - started


class _Engine:
    """One engine child and the parent's end of its socket; used by one thread at a time."""

    def __init__(self, spec: EngineSpec) -> None:
        parent_end, child_end = socket.socketpair()
        env = {
            **os.environ,
            "OMP_THREAD_LIMIT": "1",  # read by Tesseract's OpenMP runtime when it loads: set before exec
            "OPENBLAS_NUM_THREADS": "1",  # numpy's BLAS threads would sit idle in every engine
            "PYTHONPATH": os.pathsep.join(p for p in (_PROJECT_ROOT, os.environ.get("PYTHONPATH")) if p),
        }
        try:
            # bandit B603: a fixed argv (this interpreter, our module), no shell
            self.process = subprocess.Popen(  # nosec B603
                [sys.executable, "-m", "services.adapters.ocr_pool", str(child_end.fileno())],
                pass_fds=(child_end.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
            )
        finally:
            child_end.close()
        self.pid = self.process.pid
        self.conn = Connection(parent_end.detach())
        self.conn.send(spec)  # the child builds its engine while the parent goes on
        self.ready = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout_s: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout_s):
            raise OcrError(f"OCR engine process {self.pid} did not start within {timeout_s:.0f}s", code="ocr_unavailable")
        kind, *payload = self.conn.recv()  # EOFError when the child died while starting
        if kind != "ready":
            code, message = payload
            raise OcrError(message, code=code)
        self.ready = True

    def call(self, function: Callable[..., T], args: tuple[Any, ...], *, timeout_s: float) -> T:
        """function(engine, *args) in the child; EOFError/OSError when the child dies, TimeoutError when stuck."""
        self.wait_ready(_READY_TIMEOUT_S)
        self.conn.send((function, args))
        if not self.conn.poll(timeout_s):
            raise TimeoutError(f"OCR engine process {self.pid} gave no answer within {timeout_s:.0f}s")
        kind, *payload = self.conn.recv()
        if kind == "error":
            code, message = payload
            raise OcrError(message, code=code)
        return payload[0]  # type: ignore[no-any-return]

    def kill(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.process.kill()
        self.process.wait()
        self.conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.conn.send(None)
        try:
            self.process.wait(_CLOSE_GRACE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.conn.close()


class PooledEngine:
    """`processes` warm engines (one per vCPU): up to that many documents are read at once, each in its own
    process; callers past that wait for a free engine. Thread-safe; an OcrEngine."""

    def __init__(self, spec: EngineSpec, *, processes: int, crash_retries: int = 1) -> None:
        if processes < 1:
            raise ValueError("an engine pool needs at least one process")
        self.spec = spec
        self.processes = processes
        self.crash_retries = crash_retries
        self.replaced = 0  # engine processes started after a crash or a hang, for logs and tests
        self._timeout_s = spec.timeout_s + 30  # Tesseract's own timeout fires first; this catches a hung process
        self._lock = threading.Lock()
        self._busy: dict[int, str] = {}
        self._idle: queue.SimpleQueue[_Engine] = queue.SimpleQueue()
        self._engines: list[_Engine] = []
        self._closed = False
        for _ in range(processes):  # started now, models load in parallel; warm_up() waits for them
            self._idle.put(self._start())

    def _start(self) -> _Engine:
        engine = _Engine(self.spec)
        with self._lock:
            self._engines.append(engine)
        return engine

    def pids(self) -> list[int]:
        with self._lock:
            return [engine.pid for engine in self._engines]

    def busy_pids(self) -> list[int]:
        """Engine processes reading a document right now."""
        with self._lock:
            return list(self._busy)

    def warm_up(self) -> None:
        """Wait until every engine has loaded its models and read a blank image: call before the first claim."""
        blank = np.full((32, 32), 255, np.uint8)
        taken = [self._idle.get() for _ in range(self.processes)]
        try:
            for engine in taken:
                engine.wait_ready(_READY_TIMEOUT_S)
            for engine in taken:
                engine.call(read_lines_in_engine, (blank,), timeout_s=self._timeout_s)
        finally:
            for engine in taken:
                self._idle.put(engine)

    def read_lines(self, gray: np.ndarray) -> list[OcrLine]:
        return self.run_in_engine(read_lines_in_engine, gray)

    def read_line(self, gray: np.ndarray, *, charset: str) -> list[OcrLine]:
        return self.run_in_engine(read_line_in_engine, gray, charset)

    def read_line_batch(self, crops: Sequence[tuple[np.ndarray, str]]) -> list[list[OcrLine]]:
        """A document's field crops read in one engine process, in one round trip."""
        return self.run_in_engine(read_line_batch_in_engine, list(crops))

    def run_in_engine(self, function: Callable[..., T], *args: Any) -> T:
        """`function(engine, *args)` in one engine process (function and arguments picklable, by reference).

        A crash of that process replaces it and runs the call again on the replacement, up to crash_retries
        times; then OcrError `ocr_engine_crashed`. A process that hangs past the timeout is replaced too.
        """
        crashes = 0
        while True:
            engine = self._idle.get()
            if not engine.alive():  # died while idle (killed, OOM): not this document's doing
                engine = self._replace(engine, reason="found dead while idle")
            with self._lock:
                self._busy[engine.pid] = getattr(function, "__name__", "call")
            try:
                result = engine.call(function, args, timeout_s=self._timeout_s)
            except TimeoutError as exc:  # before OSError, its base class
                self._idle.put(self._replace(engine, reason="hung"))
                raise OcrError(str(exc), code="ocr_timeout") from exc
            except (EOFError, OSError) as exc:
                crashes += 1
                self._idle.put(self._replace(engine, reason=f"died mid-document ({exc.__class__.__name__})"))
                if crashes > self.crash_retries:
                    raise OcrError(
                        f"an OCR engine process died {crashes} times on this document; replaced each time",
                        code="ocr_engine_crashed",
                    ) from exc
                continue
            except FilotError:
                self._idle.put(engine)
                raise
            finally:
                with self._lock:
                    self._busy.pop(engine.pid, None)
            self._idle.put(engine)
            return result

    def _replace(self, engine: _Engine, *, reason: str) -> _Engine:
        code = engine.process.poll()
        engine.kill()
        with self._lock:
            self._engines = [e for e in self._engines if e is not engine]
            self.replaced += 1
        fresh = self._start()
        log.warning("OCR engine process %d %s (exit %s); replaced by %d", engine.pid, reason, code, fresh.pid)
        return fresh

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            engines = list(self._engines)
        for engine in engines:
            engine.close()


def _serve(conn: Connection) -> int:
    """The child: build the engine from the first message, then answer calls until None or EOF."""
    # The worker decides when engines stop (it finishes its documents on SIGTERM first); a terminal's Ctrl-C
    # reaches the whole process group, so both are left to the parent, which closes the connection.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    spec: EngineSpec = conn.recv()
    try:
        engine = spec.build()
    except FilotError as exc:
        conn.send(("error", exc.code, str(exc)))
        return 1
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it there
        conn.send(("error", "ocr_unavailable", f"engine failed to start: {exc!r}"))
        return 1
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone
            return 0
        if message is None:
            return 0
        function, args = message
        try:
            reply: tuple[Any, ...] = ("ok", function(engine, *args))
        except FilotError as exc:
            reply = ("error", exc.code, str(exc))
        except Exception as exc:  # noqa: BLE001 - any engine failure is this document's OcrError in the parent
            reply = ("error", "ocr_failed", f"{exc.__class__.__name__}: {exc}")
        conn.send(reply)


if __name__ == "__main__":
    sys.exit(_serve(Connection(int(sys.argv[1]))))
