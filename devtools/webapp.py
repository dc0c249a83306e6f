"""`python -m devtools webapp`: the built web app (web/dist) served on loopback as CloudFront serves it in a stage.

Same files, same security headers (web/security-headers.json, which the CDK web stack reads too), and a
/config.json naming the local API and its development sign-in, so the one build runs here and in every stage.
Differences from a stage, on purpose: plain http on loopback (so `upgrade-insecure-requests` is dropped and HSTS
is meaningless), and development sign-in unless an OIDC provider is named (--oidc-authority, --oidc-client-id: the
stage's sign-in path, which tests/web runs against a stand-in provider).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from services.api.headers import ResponseHeaders
from stacks.web.app_config import dev_sign_in, oidc_sign_in
from stacks.web.security_headers import SECURITY_HEADERS_FILE, content_security_policy, load, origin_of

ROOT = Path(__file__).resolve().parent.parent
WEB_DIST = ROOT / "web" / "dist"
_NO_CACHE = {"Cache-Control": "no-cache"}
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def local_headers(api_url: str, headers_file: Path = SECURITY_HEADERS_FILE, *, identity_url: str | None = None) -> dict[str, str]:
    """The stage's headers (read and filled as the web stack does) with the local API's (and identity provider's)
    origin in connect-src and the https-only directive dropped."""
    spec = load(headers_file)
    policy = content_security_policy(
        str(spec["content_security_policy"]),
        api_origin=origin_of(api_url),
        identity_origin=origin_of(identity_url) if identity_url else None,
    )
    directives = [part for part in policy.split("; ") if part != "upgrade-insecure-requests"]
    headers = spec.get("headers")
    if not isinstance(headers, dict):
        raise TypeError(f"{headers_file}: headers must be an object of header names to values")
    return {"Content-Security-Policy": "; ".join(directives), **{str(k): str(v) for k, v in headers.items()}}


def create_web_app(
    *,
    api_url: str,
    dist: Path = WEB_DIST,
    headers_file: Path = SECURITY_HEADERS_FILE,
    oidc_authority: str | None = None,
    oidc_client_id: str | None = None,
) -> ASGIApp:
    """Static files of `dist`, index.html for any other path (the app has one page), /config.json from `api_url`
    and the sign-in: the OIDC provider when named, else the API's development sign-in."""
    index = dist / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"{index} is missing: build the web app first (make web-build)")
    if bool(oidc_authority) != bool(oidc_client_id):
        raise ValueError("--oidc-authority and --oidc-client-id go together")
    config = (
        oidc_sign_in(api_url, authority=oidc_authority, client_id=oidc_client_id)
        if oidc_authority and oidc_client_id
        else dev_sign_in(api_url)
    )
    root = dist.resolve()

    async def config_json(_: Request) -> Response:
        return JSONResponse(config, headers=_NO_CACHE)

    async def files(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("method not allowed", status_code=405)
        wanted = (root / request.path_params["path"]).resolve()
        if wanted.is_relative_to(root / "assets") and wanted.is_file():
            return FileResponse(wanted, headers=_IMMUTABLE)
        if wanted.parent == root and wanted.is_file() and wanted.name != "index.html":
            return FileResponse(wanted, headers=_NO_CACHE)
        return FileResponse(index, headers=_NO_CACHE)  # the single page, whatever the path (no file is listed)

    app = Starlette(routes=[Route("/config.json", config_json), Route("/{path:path}", files, methods=["GET", "HEAD", "POST", "PUT", "DELETE"])])
    return ResponseHeaders(app, local_headers(api_url, headers_file, identity_url=oidc_authority))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("webapp", help="serve the built web app (web/dist) on loopback beside a local API")
    parser.add_argument("--port", type=int, default=5173)
    parser.add_argument("--api-url", default="http://127.0.0.1:8000", help="the API the app calls")
    parser.add_argument("--dist", type=Path, default=WEB_DIST)
    parser.add_argument("--oidc-authority", help="sign in through this OpenID Connect provider (default: dev sign-in)")
    parser.add_argument("--oidc-client-id", help="the app's client id at that provider")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    app = create_web_app(
        api_url=args.api_url, dist=args.dist, oidc_authority=args.oidc_authority, oidc_client_id=args.oidc_client_id
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", server_header=False)
    return 0
