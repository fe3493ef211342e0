"""Login throttling against password guessing: failures per e-mail and per client address."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from threading import Lock

from services.common.errors import RateLimited


class LoginThrottle:
    """A sliding window of failed logins, kept in the gateway process.

    One gateway process per core shares nothing, so the effective limit is per process;
    it still turns a guessing attack from thousands per second into a handful per window.
    """

    def __init__(
        self,
        *,
        per_email: int,
        per_address: int,
        window_seconds: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_email = per_email
        self.per_address = per_address
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def check(self, email: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key, limit in ((f"email:{email}", self.per_email), (f"addr:{address}", self.per_address)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    retry_after = int(self.window - (now - times[0])) + 1
                    raise RateLimited(
                        "too many failed logins; try again later", retry_after_seconds=retry_after, field="email"
                    )

    def failed(self, email: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[f"email:{email}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(f"email:{email}", None)
