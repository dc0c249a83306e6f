"""Container health check for both images (Docker HEALTHCHECK and the ECS task definitions run it).

Liveness only: the API container is healthy when its HTTP server answers /health/live (what the load balancer
asks too; /health, which also reports Redis and the database, is the readiness report for operators); a worker
container is healthy while its `python -m services worker` process runs. Exit 0 healthy, 1 not.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def _commands() -> list[list[str]]:
    commands = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        commands.append([arg.decode(errors="replace") for arg in argv if arg])
    return commands


def _runs(commands: list[list[str]], *words: str) -> bool:
    return any(_contains(argv, ["-m", "services", *words]) for argv in commands)


def _contains(argv: list[str], words: list[str]) -> bool:
    return any(argv[i : i + len(words)] == words for i in range(len(argv) - len(words) + 1))


def main() -> int:
    commands = _commands()
    if _runs(commands, "api"):
        port = os.environ.get("FILOT_API_PORT", "8000")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=4):
                return 0
        except urllib.error.HTTPError:
            return 0  # answered: alive (readiness is the load balancer's business)
        except OSError:
            return 1
    return 0 if _runs(commands, "worker") else 1


if __name__ == "__main__":
    sys.exit(main())
