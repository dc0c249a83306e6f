"""python -m stacks.smoke --url https://api.staging.filot.id: after a deploy, does the stage answer as it should?

Read-only (it creates nothing, so it runs against production too) and from outside, through the same front door
as the app: the process is up (/health/live), its dependencies answer (/health: the database, Redis, storage),
and the API refuses a caller without a token with its JSON error shape. With --web-url, the web app too: its page
comes with the Content-Security-Policy, its /config.json names this API, and the API admits its origin (CORS).
Retries while a fresh deploy settles; exit 0 when every check passes, 1 otherwise, each failure printed with what
was seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from stacks.web.security_headers import origin_of


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seen: str


def run_smoke(client: httpx.Client, web: httpx.Client | None = None) -> list[Check]:
    checks = [check(client) for check in (_live, _ready, _refuses_strangers)]
    if web is not None:
        checks.extend(check(web, client) for check in (_web_page, _web_config, _web_origin_admitted))
    return checks


def _web_page(web: httpx.Client, api: httpx.Client) -> Check:
    """The page, with a policy that lets it call this API and runs no inline script."""
    response = web.get("/")
    directives = {
        parts[0]: parts[1:]
        for parts in (d.split() for d in response.headers.get("content-security-policy", "").split(";"))
        if parts
    }
    api_origin = origin_of(str(api.base_url))
    calls_api = api_origin in directives.get("connect-src", [])
    strict = "script-src" in directives and "'unsafe-inline'" not in directives["script-src"]
    return Check(
        "web app page",
        response.status_code == 200 and 'type="module"' in response.text and calls_api and strict,
        f"GET {web.base_url}/ -> {response.status_code}; CSP connect-src {'names' if calls_api else 'lacks'} "
        f"{api_origin}; script-src {'strict' if strict else 'missing or allows inline'}",
    )


def _web_config(web: httpx.Client, api: httpx.Client) -> Check:
    response = web.get("/config.json")
    body = _json(response)
    named = body.get("apiUrl") if isinstance(body, dict) else None
    return Check(
        "web app config",
        response.status_code == 200 and named is not None and origin_of(str(named)) == origin_of(str(api.base_url)),
        f"GET /config.json -> {response.status_code} apiUrl={named}",
    )


def _web_origin_admitted(web: httpx.Client, api: httpx.Client) -> Check:
    origin = origin_of(str(web.base_url))
    response = api.options(
        "/v1/documents",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,idempotency-key"},
    )
    allowed = response.headers.get("access-control-allow-origin")
    return Check(
        "API admits the web app's origin",
        response.status_code == 200 and allowed == origin,
        f"OPTIONS /v1/documents from {origin} -> {response.status_code} allow-origin={allowed}",
    )


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
    client: httpx.Client,
    *,
    attempts: int,
    wait_s: float,
    sleep: Callable[[float], None] = time.sleep,
    web: httpx.Client | None = None,
) -> list[Check]:
    """The checks, repeated while any fails (a deploy's last tasks may still be registering)."""
    checks: list[Check] = []
    for attempt in range(1, attempts + 1):
        try:
            checks = run_smoke(client, web)
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
    parser.add_argument("--web-url", help="the stage's web app, e.g. https://app.staging.filot.id")
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--wait", type=float, default=15.0, help="seconds between attempts")
    args = parser.parse_args(argv)
    web = httpx.Client(base_url=args.web_url, timeout=15, follow_redirects=False) if args.web_url else None
    with httpx.Client(base_url=args.url, timeout=15, follow_redirects=False) as client:
        checks = smoke_until_healthy(client, attempts=args.attempts, wait_s=args.wait, web=web)
    if web is not None:
        web.close()
    for check in checks:
        print(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.seen}")
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
