"""Login throttling against password guessing, without letting anyone lock an account's owner out.

Failures are counted per (e-mail, client address) pair: after a few, each further attempt from
that pair must wait twice as long as the one before (1, 2, 4 ... seconds, up to a cap). An attacker
failing against an e-mail from their own address slows only themselves; the owner, logging in
from another address, is not held up by them. A looser ceiling per client address across all
e-mails stops one address from trying a list of stolen passwords against many accounts.

The counts live in the `limits` library's storage (services/common/ratelimit.py): in this process
by default, in Redis when `TONGNAN_REDIS_URL` is set, so every gateway replica sees the same
failures and a guesser gains nothing by spreading attempts across replicas.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter

from services.common.errors import RateLimited
from services.common.ratelimit import async_storage
from services.common.settings import StackSettings


class LoginThrottle:
    """`namespace` keeps separate counts for separate doors (login, password-reset mails)."""

    def __init__(
        self,
        settings: StackSettings,
        *,
        namespace: str,
        free_failures: int,
        backoff_cap_seconds: int,
        per_address: int,
        window_seconds: int,
    ) -> None:
        self.namespace = namespace
        self.free_failures = free_failures
        self.backoff_cap = backoff_cap_seconds
        self.window = window_seconds
        self.storage: Storage = async_storage(settings)
        self.per_address = RateLimitItemPerSecond(per_address, window_seconds)
        self.addresses = MovingWindowRateLimiter(self.storage)

    def backoff(self, failures: int) -> int:
        """Seconds a pair waits after its `failures`-th failure in a row."""
        if failures < self.free_failures:
            return 0
        return int(min(self.backoff_cap, 2 ** (failures - self.free_failures)))

    def _keys(self, email: str, address: str) -> tuple[str, str]:
        pair = f"{self.namespace}/{email}/{address}"
        return f"login-failures/{pair}", f"login-wait/{pair}"

    async def check(self, email: str, address: str) -> None:
        """Refuses with RATE_LIMITED (and the seconds to wait) before the password is looked at."""
        _, wait_key = self._keys(email, address)
        waits = [0.0]
        if await self.storage.get(wait_key) > 0:
            waits.append(await self.storage.get_expiry(wait_key) - time.time())
        stats = await self.addresses.get_window_stats(self.per_address, self.namespace, address)
        if stats.remaining <= 0:
            waits.append(stats.reset_time - time.time())
        wait = max(waits)
        if wait > 0:
            raise RateLimited(
                "too many failed logins; try again later", retry_after_seconds=math.ceil(wait), field="email"
            )

    async def failed(self, email: str, address: str) -> None:
        """One more failure of the pair: past the free ones, the pair waits before its next try."""
        failures_key, wait_key = self._keys(email, address)
        failures = await self.storage.incr(failures_key, self.window)
        await self.addresses.hit(self.per_address, self.namespace, address)
        wait = self.backoff(failures)
        if wait > 0:
            await self.storage.clear(wait_key)
            await self.storage.incr(wait_key, wait)

    async def succeeded(self, email: str, address: str) -> None:
        """The owner got in from here: this pair starts afresh. The address's count stays, since a
        list of stolen passwords has some right ones in it."""
        for key in self._keys(email, address):
            await self.storage.clear(key)
