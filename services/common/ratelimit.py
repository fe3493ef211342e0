"""Request rate limits, one way for every process: the `limits` library's moving window.

A limit is kept in this process by default, and in Redis when `TONGNAN_REDIS_URL` is set: then
every replica of the gateway (or of a service) counts against one window per caller, instead
of each granting the whole limit again.

A limit is given as a rate and a burst, as a token bucket would be: `burst` requests in the
time the rate takes to earn them (300 per minute with a burst of 60: 60 in any 12 seconds).
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindow
from limits.storage import storage_from_string

from services.common.settings import StackSettings


def window(per_minute: float, burst: int) -> RateLimitItem:
    seconds = max(1, round(burst * 60 / per_minute))
    return RateLimitItemPerSecond(burst, seconds)


def async_storage(settings: StackSettings) -> Any:
    """The storage limits keep their counts in (memory, or Redis when configured)."""
    if not settings.redis_url:
        return storage_from_string("async+memory://")
    # redis-py's asyncio client, the one Redis client we install.
    prefix = f"{settings.redis_key_prefix}:limits"
    return storage_from_string(f"async+{settings.redis_url}", implementation="redispy", key_prefix=prefix)


def _wait(reset_time: float) -> float:
    return max(0.001, reset_time - time.time())


def retry_after(wait: float) -> int:
    """Whole seconds for a Retry-After header: never 0, which would invite an instant retry."""
    return max(1, math.ceil(wait))


class RateLimit:
    """A request limit per caller (the gateway's per account and per address, certification's
    public verification per address). Async only: every limit is taken in the event loop, by the
    gateway's request context or by an async FastAPI dependency, so one class serves all."""

    def __init__(self, settings: StackSettings, *, namespace: str, per_minute: float, burst: int) -> None:
        self.item = window(per_minute, burst)
        self.namespace = namespace
        self.strategy = AsyncMovingWindow(async_storage(settings))

    async def take(self, key: str) -> float:
        """Count one request: 0.0 when allowed, else the seconds until the window allows one."""
        if await self.strategy.hit(self.item, self.namespace, key):
            return 0.0
        stats = await self.strategy.get_window_stats(self.item, self.namespace, key)
        return _wait(stats.reset_time)
