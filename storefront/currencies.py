"""The currencies the storefront offers: exactly those the API quotes in (`currencies` query),
so a buyer can never choose one the quote then refuses. Asked once a minute per process; a
page does not wait on the API for a list that changes only when a rate feed gains a currency.
"""

from __future__ import annotations

import asyncio
import logging
import time

from storefront.api_client import ApiBusy, ApiClient, ApiFailed, ApiUnavailable, TokenRejected

log = logging.getLogger(__name__)

QUERY = "query Currencies { currencies { code } }"
TTL_SECONDS = 60.0


class OfferedCurrencies:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._codes: tuple[str, ...] = ()
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self, api: ApiClient, client_address: str | None) -> tuple[str, ...]:
        """The codes, sorted; the last list known (or none) while the API cannot be asked.
        `client_address` is the visitor whose page asks: the API's limits count it as theirs."""
        if time.monotonic() - self._fetched_at < self.ttl:
            return self._codes
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.ttl:
                return self._codes
            try:
                result = await api.execute(QUERY, client_address=client_address)
            except (ApiUnavailable, ApiFailed, ApiBusy, TokenRejected) as exc:
                log.warning("the API's currencies could not be read: %s", exc)
                # Asked again on the next page rather than after a whole minute.
                return self._codes
            rows = (result.data or {}).get("currencies") or []
            codes = tuple(sorted(str(row["code"]) for row in rows if row and row.get("code")))
            if codes:
                self._codes, self._fetched_at = codes, time.monotonic()
            return self._codes
