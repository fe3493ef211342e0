"""A small in-process token bucket per client address, for the public verification routes.

Per process: with several workers each keeps its own buckets, which is enough to blunt
scraping of the certificate register; a shared limiter belongs in the gateway.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from services.common.errors import DomainError

MAX_KEYS = 10_000


class RateLimited(DomainError):
    status, code, title = 429, "RATE_LIMITED", "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests; retry after {retry_after} s", retry_after=retry_after)
        self.retry_after = retry_after


class TokenBucket:
    def __init__(self, *, rate_per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one token for `key`, or raise RateLimited with the seconds until one is back."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.rate)))
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_KEYS:
                self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: drop those to bound memory.
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
