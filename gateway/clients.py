"""One pooled HTTP client per upstream service for the life of the process.

httpx's interface with aiohttp's connection pool underneath (httpx-aiohttp): measured
faster than httpx's own pool at 8 to 32 concurrent calls (see bench/gateway.py and the
README). Reads are retried on a transport error; writes never are, they carry an
idempotency key instead. Problem responses become our typed errors, so the GraphQL
layer maps them to codes in one place.

The catalog's browsing reads (search pages, suppliers, certificates, eligibility, price
conversions) are kept for a moment in a `ReadCache`, per caller: a storefront's listing is
asked for over and over, and without the cache every request costs the services about
20 ms of work (bench/gateway.py measures both).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from gateway.settings import GatewaySettings
from services.common.errors import (
    BadInput,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    UpstreamUnavailable,
)
from services.common.logs import carry_request_id_async
from services.common.tracing import trace_client

READ_RETRIES = 2
# When the GraphQL request being served must be answered (the event loop's clock), set for each
# request by gateway.context; every upstream call made for it, retries included, ends by then.
# A context variable reaches the DataLoaders' batch tasks too, which copy it when they start.
request_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)
_BY_STATUS: dict[int, type[DomainError]] = {
    400: BadInput,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    # A declined card: the caller's card is the problem, and the words say why.
    402: BadInput,
    413: PayloadTooLarge,
    422: BadInput,
    # A service's own 503 says what is unavailable and what happens next (a cancellation whose
    # refund will be retried, say); its words reach the client.
    503: UpstreamUnavailable,
}


# Codes that say no more than the HTTP status they come with.
_GENERIC_CODES = frozenset(
    {cls.code for cls in (BadInput, Conflict, Forbidden, NotFound, PayloadTooLarge, RateLimited, Unauthenticated)}
    | {"BAD_REQUEST", "HTTP_ERROR", "METHOD_NOT_ALLOWED", "INTERNAL", UpstreamUnavailable.code}
)


def problem_error(service: str, response: httpx.Response) -> DomainError:
    """The upstream's RFC 9457 problem as our typed error, keeping its message and field."""
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    detail = str(body.get("detail") or body.get("title") or f"{service} answered {response.status_code}")
    field = body.get("field")
    # Which refusal it is, beyond the public code (NOT_AN_IMAGE, PAYMENT_DECLINED ...), for
    # clients that word it themselves: the service's own code when it says more than the status.
    reason = body.get("reason")
    code = body.get("code")
    if reason is None and isinstance(code, str) and code not in _GENERIC_CODES:
        reason = code
    if response.status_code == 429:
        retry = int(response.headers.get("retry-after", "1") or 1)
        return RateLimited(detail, retry_after_seconds=retry, field=field)
    error_class = _BY_STATUS.get(response.status_code)
    if error_class is None:
        return UpstreamUnavailable(f"the {service} service failed")
    if isinstance(reason, str):
        return error_class(detail, field=field, reason=reason)
    return error_class(detail, field=field)


class ReadCache:
    """Answers to read calls, each kept for `seconds` in this process (0 keeps nothing).

    Concurrent misses of one key share one upstream call. A failed call is not kept. The
    keys include the caller, so what one caller may see never answers another. Answers are
    shared between requests: readers must not change them.
    """

    def __init__(
        self, seconds: float, *, max_entries: int = 2_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._in_flight: dict[Hashable, asyncio.Future[Any]] = {}
        # Counts clears and discards: an answer fetched across one may predate the change that
        # caused it, so it goes to its callers but is not kept.
        self._generation = 0

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> Any:
        if self.seconds <= 0:
            return await fetch()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            return entry[1]
        pending = self._in_flight.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this caller was cancelled, not the call it waited on
                return await fetch()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        generation = self._generation
        try:
            value = await fetch()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a miss nobody else waited on must not log a warning
            raise
        else:
            future.set_result(value)
            if generation != self._generation:
                return value
            now = self.clock()
            self._entries[key] = (now + self.seconds, value)
            self._entries.move_to_end(key)
            # Every entry lives as long, so the oldest are first: drop the expired ones there (a
            # page of parts is tens of KB), and the oldest of all when full.
            while self._entries and (
                len(self._entries) > self.max_entries or next(iter(self._entries.values()))[0] <= now
            ):
                self._entries.popitem(last=False)
            return value
        finally:
            if self._in_flight.get(key) is future:
                del self._in_flight[key]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    def discard(self, affected: Callable[[Hashable], bool]) -> int:
        """Forget the answers whose key `affected` picks; returns how many."""
        self._generation += 1
        gone = [key for key in self._entries if affected(key)]
        for key in gone:
            del self._entries[key]
        # A caller from now on does not join a call made before the change: it asks afresh.
        for key in [key for key in self._in_flight if affected(key)]:
            del self._in_flight[key]
        return len(gone)

    def __len__(self) -> int:
        return len(self._entries)


class Upstream:
    def __init__(self, name: str, client: httpx.AsyncClient, cache: ReadCache | None = None) -> None:
        self.name = name
        self.client = client
        self.cache = cache if cache is not None else ReadCache(0)

    async def request(
        self,
        method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"],
        path: str,
        *,
        headers: dict[str, str],
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        only_reads: bool = False,
    ) -> httpx.Response:
        attempts = 1 + (READ_RETRIES if method == "GET" else 0)
        # One timer per call, not per field: the fields waiting on this call fail with it.
        deadline = asyncio.timeout_at(request_deadline.get())
        try:
            async with deadline:
                for attempt in range(attempts):
                    try:
                        response = await self.client.request(
                            method, path, headers=headers, params=params, json=json, content=content
                        )
                    except httpx.TransportError:
                        if attempt + 1 < attempts:
                            await asyncio.sleep(0.05 * (attempt + 1))
                            continue
                        raise UpstreamUnavailable(f"the {self.name} service is unavailable") from None
                    break
        except TimeoutError:
            if not deadline.expired():  # the transport's own timeout, not the request's
                raise UpstreamUnavailable(f"the {self.name} service is unavailable") from None
            raise UpstreamUnavailable(
                f"the {self.name} service did not answer within the request's deadline", reason="DEADLINE"
            ) from None
        if response.status_code >= 400:
            raise problem_error(self.name, response)
        if method != "GET" and not only_reads:
            # A change made through this process shows at once in what it reads next.
            self.cache.clear()
        return response

    async def read_json(
        self,
        path: str,
        *,
        caller: Hashable,
        headers: Callable[[], dict[str, str]],
        params: dict[str, Any] | None = None,
        body: Any = None,
        fresh: bool = False,
    ) -> Any:
        """A read for `caller`, answered from the cache while fresh unless `fresh` is asked. With a
        body it is POSTed: the services take long id lists (a page of parts) in a body, not a URL.
        `headers` is asked only when the call is made: a hit needs no internal token."""

        async def fetch() -> Any:
            if body is None:
                return await self.get_json(path, headers=headers(), params=params)
            return (await self.request("POST", path, headers=headers(), json=body, only_reads=True)).json()

        if fresh:
            return await fetch()
        key = (
            path,
            caller,
            orjson.dumps(params, option=orjson.OPT_SORT_KEYS),
            orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
        )
        return await self.cache.get(key, fetch)

    async def get_json(self, path: str, *, headers: dict[str, str], params: dict[str, Any] | None = None) -> Any:
        return (await self.request("GET", path, headers=headers, params=params)).json()

    async def get_json_or_none(
        self, path: str, *, headers: dict[str, str], params: dict[str, Any] | None = None
    ) -> Any:
        """A read of one thing: None when the service does not know it (404)."""
        try:
            return await self.get_json(path, headers=headers, params=params)
        except NotFound:
            return None

    async def post_json(
        self, path: str, body: Any, *, headers: dict[str, str], method: Literal["POST", "PUT", "PATCH"] = "POST"
    ) -> Any:
        response = await self.request(method, path, headers=headers, json=body)
        return response.json() if response.content else None


@dataclass
class ServiceClients:
    catalog: Upstream
    orders: Upstream
    certification: Upstream

    @classmethod
    def open(
        cls, settings: GatewaySettings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
    ) -> ServiceClients:
        timeout = httpx.Timeout(settings.upstream_timeout, connect=2.0)
        # Sized for a page of 100 parts fanned out to every service at once.
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)

        def client(name: str, url: str) -> Upstream:
            transport = (transports or {}).get(name)
            if transport is None and settings.upstream_transport == "aiohttp":
                transport = AiohttpTransport(limits=limits)
            http = httpx.AsyncClient(
                base_url=url,
                timeout=timeout,
                limits=limits,
                transport=transport,
                event_hooks={"request": [carry_request_id_async]},
            )
            trace_client(http)
            return Upstream(name, http, ReadCache(settings.read_cache_seconds))

        return cls(
            catalog=client("catalog", settings.catalog_url),
            orders=client("orders", settings.orders_url),
            certification=client("certification", settings.certification_url),
        )

    async def aclose(self) -> None:
        for upstream in (self.catalog, self.orders, self.certification):
            await upstream.client.aclose()
