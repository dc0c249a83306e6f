"""python -m stacks.smoke --url https://api.staging.filot.id: after a deploy, does the stage answer as it should?

Read-only (it creates nothing, so it runs against production too) and from outside, through the same front door
as the app: the process is up (/health/live), its dependencies answer (/health: the database, Redis, storage),
and the API refuses a caller without a token with its JSON error shape. Retries while a fresh deploy settles;
exit 0 when every check passes, 1 otherwise, each failure printed with what was seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seen: str


def run_smoke(client: httpx.Client) -> list[Check]:
    return [check(client) for check in (_live, _ready, _refuses_strangers)]


def _live(client: httpx.Client) -> Check:
    response = client.get("/health/live")
    return Check("live", response.status_code == 200, f"GET /health/live -> {response.status_code}")


def _ready(client: httpx.Client) -> Check:
    response = client.get("/health")
    body = _json(response)
    return Check("ready", response.status_code == 200, f"GET /health -> {response.status_code} {body}")


def _refuses_strangers(client: httpx.Client) -> Check:
    response = client.get("/v1/documents")
    body = _json(response)
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    return Check(
        "refuses an anonymous caller",
        response.status_code == 401 and isinstance(code, str),
        f"GET /v1/documents without a token -> {response.status_code} code={code}",
    )


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text[:200]


def smoke_until_healthy(
    client: httpx.Client, *, attempts: int, wait_s: float, sleep: Callable[[float], None] = time.sleep
) -> list[Check]:
    """The checks, repeated while any fails (a deploy's last tasks may still be registering)."""
    checks: list[Check] = []
    for attempt in range(1, attempts + 1):
        try:
            checks = run_smoke(client)
        except httpx.HTTPError as error:
            checks = [Check("reachable", False, f"{type(error).__name__}: {error}")]
        if all(check.ok for check in checks):
            return checks
        if attempt < attempts:
            print(f"attempt {attempt}/{attempts} failed; retrying in {wait_s:g} s", file=sys.stderr)
            sleep(wait_s)
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.smoke", description=__doc__.split("\n\n")[1])
    parser.add_argument("--url", required=True, help="the stage's API, e.g. https://api.staging.filot.id")
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--wait", type=float, default=15.0, help="seconds between attempts")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.url, timeout=15, follow_redirects=False) as client:
        checks = smoke_until_healthy(client, attempts=args.attempts, wait_s=args.wait)
    for check in checks:
        print(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.seen}")
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
