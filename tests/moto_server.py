"""pytest plugin: one moto server (S3, Secrets Manager, any AWS API) on loopback per session, reset per test.

moto runs in server mode (`ThreadedMotoServer`), so the code under test talks real HTTP through boto3 and
httpx exactly as it would to R2 or AWS. moto 5 does not check presigned URLs at all (neither the signature
nor the expiry: see `_key_response` in moto/s3/responses.py), so the server is fronted by `PresignCheck`, which
does what S3 and R2 do with a query-signed request: refuse it once expired, and refuse it when any signed
header (Content-Type, Content-Length, x-amz-server-side-encryption, Host) differs from what was signed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
import pytest

from devtools.devservers import free_port

ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
REGION = "us-east-1"  # moto refuses CreateBucket without a location constraint in R2's "auto"
BUCKET = "filot-test"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PresignCheck:
    """WSGI middleware: verify AWS SigV4 query signatures (presigned URLs) before moto sees the request.

    Requests signed in the Authorization header (boto3's own calls) pass unchanged, as moto handles them.
    """

    def __init__(self, app: WsgiApp, *, secrets: dict[str, str]) -> None:
        self.app = app
        self.secrets = secrets

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        params = dict(query)
        if "X-Amz-Signature" in params:
            refusal = self._refusal(environ, query, params)
            if refusal is not None:
                code, message = refusal
                body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
                start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
                return [body]
        return self.app(environ, start_response)

    def _refusal(
        self, environ: dict[str, Any], query: list[tuple[str, str]], params: dict[str, str]
    ) -> tuple[str, str] | None:
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if time.time() > signed_at.timestamp() + int(params["X-Amz-Expires"]):
            return "AccessDenied", "Request has expired"
        access_key, date, region, service, _ = params["X-Amz-Credential"].split("/")
        secret = self.secrets.get(access_key)
        if secret is None:
            return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        signed_headers = params["X-Amz-SignedHeaders"].split(";")
        canonical_query = "&".join(
            f"{_encode(k)}={_encode(v)}" for k, v in sorted(query) if k != "X-Amz-Signature"
        )
        canonical_headers = "".join(f"{name}:{_header(environ, name)}\n" for name in signed_headers)
        canonical_request = "\n".join(
            [
                environ["REQUEST_METHOD"],
                quote(environ.get("PATH_INFO", "/"), safe="/~"),
                canonical_query,
                canonical_headers,
                ";".join(signed_headers),
                "UNSIGNED-PAYLOAD",
            ]
        )
        scope = f"{date}/{region}/{service}/aws4_request"
        string_to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", params["X-Amz-Date"], scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        key = f"AWS4{secret}".encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        return None


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _header(environ: dict[str, Any], name: str) -> str:
    key = name.upper().replace("-", "_")
    raw = environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}", "")
    return " ".join(str(raw).split())


@dataclass(frozen=True)
class MotoServer:
    endpoint_url: str
    region: str = REGION
    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY

    def client(self, service: str) -> Any:
        import boto3  # type: ignore[import-untyped,unused-ignore]

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def reset(self) -> None:
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def create_bucket(self, name: str = BUCKET) -> str:
        self.client("s3").create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """moto in server mode on a free loopback port, presigned URLs checked as S3 checks them."""
    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.server import DomainDispatcherApplication, ThreadedMotoServer, create_backend_app
    from werkzeug.serving import make_server

    class CheckedMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # as moto's, with the app wrapped in PresignCheck
            app = PresignCheck(DomainDispatcherApplication(create_backend_app), secrets={ACCESS_KEY_ID: SECRET_ACCESS_KEY})
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = CheckedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield MotoServer(endpoint_url=f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def moto(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> MotoServer:
    """A clean moto server, and dummy AWS credentials in the environment for this test only.

    AWS_ENDPOINT_URL sends every boto3 client built from the defaults to moto, so no test can reach AWS.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": moto_server.access_key_id,
        "AWS_SECRET_ACCESS_KEY": moto_server.secret_access_key,
        "AWS_DEFAULT_REGION": moto_server.region,
        "AWS_REGION": moto_server.region,
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_CONFIG_FILE": os.fspath(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.fspath(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    moto_server.reset()
    return moto_server
