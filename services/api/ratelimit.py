"""Rate limits kept in Redis as a sliding window (a sorted set of request times per key), so a burst at a
window edge cannot double the allowance as a fixed window would. Over the limit: 429 with Retry-After."""

from __future__ import annotations

import logging
import time
import uuid

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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
