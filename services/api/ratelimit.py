"""Rate limits kept in Redis as a sliding window (a sorted set of request times per key), so a burst at a
window edge cannot double the allowance as a fixed window would. Over the limit: 429 with Retry-After."""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from collections.abc import Sequence

import redis
from fastapi import Request

from services.api.errors import ApiError

log = logging.getLogger("filot.api")

# KEYS: the window's sorted set; ARGV: now_ms, window_ms, limit, member. Returns {allowed, retry_after_ms}.
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, 0}
"""


class RateLimiter:
    def __init__(self, connection: redis.Redis, *, prefix: str, window_s: float = 60.0) -> None:
        self._script = connection.register_script(_SLIDING_WINDOW)
        self._prefix = prefix
        self._window_ms = int(window_s * 1000)

    def check(self, key: str, *, limit: int) -> None:
        """Count this request against `key`; raise a 429 ApiError when the window already holds `limit`."""
        try:
            allowed, retry_ms = self._script(
                keys=[f"{self._prefix}:ratelimit:{key}"],
                args=[int(time.time() * 1000), self._window_ms, limit, uuid.uuid4().hex],
            )
        except redis.RedisError as exc:
            # Availability first: without Redis the limiter lets requests through (and says so).
            log.warning("rate limiter unavailable: %s", exc)
            return
        if not int(allowed):
            retry_after = max(1, -(-int(retry_ms) // 1000))
            raise ApiError(
                429, "rate_limited", f"too many requests; retry in {retry_after} s", headers={"Retry-After": str(retry_after)}
            )


def client_address(request: Request, *, trusted_hops: int = 0, cloudflare: Sequence[str] = ()) -> str:
    """The address to count a request against, from what the trusted proxies in front saw, never from a header a
    client can set alone.

    trusted_hops: proxies in front of the API that append the peer they saw to X-Forwarded-For (the load balancer:
    1). The client's address is the entry that many from the right; whatever a client wrote further left is its
    own claim and ignored. Fewer entries than hops: the header did not come through them, the socket counts.
    cloudflare: Cloudflare's address ranges (CIDR). When the address so found is Cloudflare's, CF-Connecting-IP
    (which Cloudflare sets) names the client; from anywhere else that header is ignored.
    """
    peer = request.client.host if request.client else "unknown"
    address = peer
    if trusted_hops > 0:
        forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
        if len(forwarded) >= trusted_hops:
            address = forwarded[-trusted_hops]
    if cloudflare and _within(address, cloudflare):
        connecting = request.headers.get("cf-connecting-ip", "").strip()
        if _is_address(connecting):
            address = connecting
    return address if _is_address(address) else peer


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _within(address: str, ranges: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(cidr, strict=False) for cidr in ranges)
