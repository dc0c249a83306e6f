"""Helmet's default headers on every response, CORS from an allow-list, and rate limits kept in Redis."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from services.api.app import create_app
from services.api.headers import SECURITY_HEADERS
from services.platform.settings import Settings
from services.wiring import build_components
from tests.conftest import ServerThread
from tests.services.api.helpers import png_bytes


@pytest.fixture
def api_for(settings: Settings, serve: Callable[[object], ServerThread]) -> Callable[..., httpx.Client]:
    def start(**overrides: object) -> httpx.Client:
        server = serve(create_app(components=build_components(settings.model_copy(update=overrides))))
        return httpx.Client(base_url=server.url, timeout=30)

    return start


def upload(api: httpx.Client, user: str) -> httpx.Response:
    return api.post(
        "/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp"}, headers={"X-Dev-User": user}
    )


def test_every_response_carries_helmets_headers_and_no_server_banner(api_for: Callable[..., httpx.Client]) -> None:
    api = api_for()
    responses = [
        api.get("/health"),
        api.get("/v1/documents/" + "0" * 32, headers={"X-Dev-User": "a"}),  # 404
        api.post("/v1/documents", data={"type": "ktp"}, headers={"X-Dev-User": "a"}),  # 422
        api.get("/nowhere"),  # router 404
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.status_code, name)
        assert "server" not in response.headers and "x-powered-by" not in response.headers
    assert responses[0].headers["x-xss-protection"] == "0"


def test_cors_answers_only_allowed_origins(api_for: Callable[..., httpx.Client]) -> None:
    api = api_for(cors_origins=["https://app.filot.id"])
    allowed = api.get("/health", headers={"Origin": "https://app.filot.id"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.filot.id"
    other = api.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = api.options(
        "/v1/documents",
        headers={"Origin": "https://app.filot.id", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "X-Dev-User"},
    )
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    # What the web app sends: a retry-safe upload, and the erasure of a document from its privacy page.
    for method, headers in (("POST", "Authorization, Idempotency-Key"), ("DELETE", "Authorization")):
        answer = api.options(
            "/v1/documents/0123456789abcdef0123456789abcdef",
            headers={"Origin": "https://app.filot.id", "Access-Control-Request-Method": method,
                     "Access-Control-Request-Headers": headers},
        )
        assert answer.status_code == 200, (method, answer.text)
        assert method in answer.headers["access-control-allow-methods"]
    refused = api.options(
        "/v1/documents",
        headers={"Origin": "https://app.filot.id", "Access-Control-Request-Method": "PUT"},
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in api_for().get("/health", headers={"Origin": "https://app.filot.id"}).headers


def test_an_unexpected_error_is_a_json_500_the_allowed_origin_can_read(
    settings: Settings, serve: Callable[[object], ServerThread], caplog: pytest.LogCaptureFixture
) -> None:
    """A browser must see the 500 (with CORS headers), not a network failure it would retry."""
    components = build_components(settings.model_copy(update={"cors_origins": ["https://app.filot.id"]}))

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("database driver bug")

    components.store.owned_by = broken  # type: ignore[method-assign]
    api = httpx.Client(base_url=serve(create_app(components=components)).url, timeout=30)
    answer = api.get("/v1/documents", headers={"X-Dev-User": "a", "Origin": "https://app.filot.id"})
    assert answer.status_code == 500 and answer.json() == {"error": {"code": "internal_error", "message": "internal error"}}
    assert answer.headers["access-control-allow-origin"] == "https://app.filot.id"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "database driver bug" not in answer.text
    assert any("unhandled error" in record.getMessage() for record in caplog.records)


def test_a_user_flooding_uploads_gets_429_with_retry_after_and_others_are_unaffected(
    api_for: Callable[..., httpx.Client],
) -> None:
    api = api_for(rate_limit_user_per_minute=3, rate_limit_address_per_minute=100)
    assert [upload(api, "flooder").status_code for _ in range(3)] == [202, 202, 202]
    refused = upload(api, "flooder")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert upload(api, "someone-else").status_code == 202


def test_one_address_is_limited_across_users(api_for: Callable[..., httpx.Client]) -> None:
    api = api_for(rate_limit_user_per_minute=100, rate_limit_address_per_minute=4)
    codes = [upload(api, f"user{n}").status_code for n in range(5)]
    assert codes == [202, 202, 202, 202, 429]


def test_the_window_slides(settings: Settings) -> None:
    import time

    import redis

    from services.api.errors import ApiError
    from services.api.ratelimit import RateLimiter

    limiter = RateLimiter(redis.Redis.from_url(settings.redis_url), prefix="t", window_s=1.0)
    for _ in range(2):
        limiter.check("k", limit=2)
    with pytest.raises(ApiError):
        limiter.check("k", limit=2)
    time.sleep(1.05)  # the oldest requests leave the window; a fixed window would reset all at once
    limiter.check("k", limit=2)


def test_the_address_limit_counts_what_the_trusted_proxy_saw(api_for: Callable[..., httpx.Client]) -> None:
    """Behind one trusted proxy (the load balancer) the client is the last X-Forwarded-For entry: what a client
    writes further left cannot reset its bucket, and users behind the balancer do not share one."""
    api = api_for(rate_limit_user_per_minute=100, rate_limit_address_per_minute=2, trusted_proxy_hops=1)

    def from_address(user: str, forwarded: str) -> int:
        return api.post(
            "/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp"},
            headers={"X-Dev-User": user, "X-Forwarded-For": forwarded},
        ).status_code

    # One client rotating the part it controls: the balancer appends the same real address each time.
    codes = [from_address(f"u{n}", f"10.9.9.{n}, 203.0.113.7") for n in range(3)]
    assert codes == [202, 202, 429]
    assert from_address("u9", "198.51.100.4") == 202  # another client behind the same balancer: its own bucket


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(api_for: Callable[..., httpx.Client]) -> None:
    api = api_for(rate_limit_user_per_minute=100, rate_limit_address_per_minute=2)
    codes = [
        api.post(
            "/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp"},
            headers={"X-Dev-User": f"u{n}", "X-Forwarded-For": f"203.0.113.{n}", "CF-Connecting-IP": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [202, 202, 429]  # the socket's address, whatever the headers say


def test_cf_connecting_ip_is_believed_only_from_cloudflare() -> None:
    from starlette.requests import Request

    from services.api.ratelimit import client_address

    def request(peer: str, **headers: str) -> Request:
        raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "client": (peer, 1234), "headers": raw})

    cloudflare = ["173.245.48.0/20"]
    assert client_address(request("173.245.48.9", cf_connecting_ip="198.51.100.4"), cloudflare=cloudflare) == "198.51.100.4"
    assert client_address(request("203.0.113.5", cf_connecting_ip="198.51.100.4"), cloudflare=cloudflare) == "203.0.113.5"
    assert client_address(request("173.245.48.9", cf_connecting_ip="not-an-ip"), cloudflare=cloudflare) == "173.245.48.9"
    behind_balancer = request("10.0.0.2", x_forwarded_for="1.2.3.4, 173.245.48.9", cf_connecting_ip="198.51.100.4")
    assert client_address(behind_balancer, trusted_hops=1, cloudflare=cloudflare) == "198.51.100.4"


def test_reads_and_lists_are_limited_per_user(api_for: Callable[..., httpx.Client]) -> None:
    api = api_for(rate_limit_read_per_minute=3)
    headers = {"X-Dev-User": "reader"}
    codes = [api.get("/v1/documents", headers=headers).status_code for _ in range(2)]
    codes += [api.get("/v1/documents/" + "0" * 32, headers=headers).status_code for _ in range(2)]
    assert codes == [200, 200, 404, 429]
    assert api.get("/v1/documents", headers={"X-Dev-User": "other"}).status_code == 200


def test_interactive_docs_and_the_schema_are_local_only(api_for: Callable[..., httpx.Client]) -> None:
    local = api_for()
    assert all(local.get(path).status_code == 200 for path in ("/docs", "/redoc", "/openapi.json"))
    deployed = api_for(stage="staging", dev_auth=False)
    assert all(deployed.get(path).status_code == 404 for path in ("/docs", "/redoc", "/openapi.json"))
