"""Login throttling against password guessing, without letting anyone lock an account's owner out.

Failures are counted per (e-mail, client address) pair: after a few, each further attempt from
that pair must wait twice as long as the one before (1, 2, 4 ... seconds, up to a cap). An attacker
failing against an e-mail from their own address slows only themselves; the owner, logging in
from another address, is not held up by them. A looser ceiling per client address across all
e-mails stops one address from trying a list of stolen passwords against many accounts.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import TypeVar

from services.common.errors import RateLimited

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class _PairFailures:
    count: int
    last: float


class LoginThrottle:
    """Kept in the gateway process: one gateway process per core shares nothing, so the
    limits hold per process; they still turn a guessing attack from thousands of tries per
    second into a handful per minute."""

    def __init__(
        self,
        *,
        free_failures: int,
        backoff_cap_seconds: float,
        per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.free_failures = free_failures
        self.backoff_cap = backoff_cap_seconds
        self.per_address = per_address
        self.window = window_seconds
        self.clock = clock
        self.max_keys = max_keys
        self._pairs: OrderedDict[tuple[str, str], _PairFailures] = OrderedDict()
        self._addresses: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = Lock()

    def backoff(self, failures: int) -> float:
        """Seconds a pair waits after its `failures`-th failure in a row."""
        if failures < self.free_failures:
            return 0.0
        return float(min(self.backoff_cap, 2 ** (failures - self.free_failures)))

    def check(self, email: str, address: str) -> None:
        """Refuses with RATE_LIMITED (and the seconds to wait) before the password is looked at."""
        now = self.clock()
        with self._lock:
            waits = [self._pair_wait(email, address, now), self._address_wait(address, now)]
        wait = max(waits)
        if wait > 0:
            raise RateLimited(
                "too many failed logins; try again later", retry_after_seconds=math.ceil(wait), field="email"
            )

    def failed(self, email: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            pair = self._pairs.pop((email, address), None)
            if pair is None or now - pair.last >= self.window:
                pair = _PairFailures(count=0, last=now)
            pair.count += 1
            pair.last = now
            self._remember(self._pairs, (email, address), pair)
            times = self._addresses.pop(address, None) or deque(maxlen=self.per_address)
            times.append(now)
            self._remember(self._addresses, address, times)

    def succeeded(self, email: str, address: str) -> None:
        """The owner got in from here: this pair starts afresh. The address's count stays, since a
        list of stolen passwords has some right ones in it."""
        with self._lock:
            self._pairs.pop((email, address), None)

    def _pair_wait(self, email: str, address: str, now: float) -> float:
        pair = self._pairs.get((email, address))
        if pair is None or now - pair.last >= self.window:
            return 0.0
        return pair.last + self.backoff(pair.count) - now

    def _address_wait(self, address: str, now: float) -> float:
        times = self._addresses.get(address)
        if times is None or len(times) < self.per_address:
            return 0.0
        return times[0] + self.window - now

    def _remember(self, store: OrderedDict[K, V], key: K, value: V) -> None:
        """Most recent last; past `max_keys`, the longest-quiet entry is forgotten."""
        store[key] = value
        if len(store) > self.max_keys:
            store.popitem(last=False)
