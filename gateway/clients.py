"""The gateway's clients of the services: one pooled `ServiceClient` per service for the life of
the process (services.common.http: its retries, deadlines, request ids and error mapping).

httpx's interface with aiohttp's connection pool underneath (httpx-aiohttp): measured
faster than httpx's own pool at 8 to 32 concurrent calls (see bench/gateway.py and the
README). Every call ends by the GraphQL request's deadline (`work_deadline`, set by
gateway.context).

The catalog's browsing reads (search pages, suppliers, certificates, eligibility, price
conversions) are kept for a moment in a `ReadCache`, per caller: a storefront's listing is
asked for over and over, and without the cache every request costs the services about
20 ms of work (bench/gateway.py measures both).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from gateway.kept_answers import note_fresh_read, note_kept_read
from gateway.settings import GatewaySettings
from services.common.http import Method, ServiceClient


class ReadCache:
    """Answers to read calls, each kept for `seconds` in this process (0 keeps nothing).

    Concurrent misses of one key share one upstream call. A failed call is not kept. The
    keys include the caller, so what one caller may see never answers another. Answers are
    shared between requests: readers must not change them. Most entries are single parts (a
    search page's, kept one by one: `Upstream.read_by_ids`), sharing their objects with the page.
    """

    def __init__(
        self, seconds: float, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
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
            note_kept_read(entry[0])
            return entry[1]
        pending = self._in_flight.get(key)
        if pending is not None:
            try:
                shared = await asyncio.shield(pending)
                note_kept_read(self.clock() + self.seconds)
                return shared
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
            self.put(key, value, generation)
            return value
        finally:
            if self._in_flight.get(key) is future:
                del self._in_flight[key]

    def peek(self, key: Hashable) -> Any | None:
        """The answer kept under `key` while fresh, else None; nothing is fetched."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self.clock():
            return None
        note_kept_read(entry[0])
        return entry[1]

    def put(self, key: Hashable, value: Any, generation: int) -> None:
        """Keep `value`, fetched from when the cache's generation was `generation`: not if the
        cache was cleared or discarded meanwhile, as it may predate the change that caused it."""
        if self.seconds <= 0:
            return
        if generation != self._generation:
            note_fresh_read()
            return
        now = self.clock()
        self._entries[key] = (now + self.seconds, value)
        note_kept_read(now + self.seconds)
        self._entries.move_to_end(key)
        # Every entry lives as long, so the oldest are first: drop the expired ones there (a
        # page of parts is tens of KB), and the oldest of all when full.
        while self._entries and (len(self._entries) > self.max_entries or next(iter(self._entries.values()))[0] <= now):
            self._entries.popitem(last=False)

    @property
    def generation(self) -> int:
        """Changes whenever answers are cleared or discarded."""
        return self._generation

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


# Set while a call fetches a read that the read cache keeps: any other call is a fresh read.
_kept_read: contextvars.ContextVar[bool] = contextvars.ContextVar("kept_read", default=False)


class Upstream(ServiceClient):
    """One service as the gateway calls it: the common client's calls, and a `ReadCache` of its
    browsing reads that every change made through it empties."""

    def __init__(self, name: str, base_url: str, *, cache: ReadCache | None = None, **options: Any) -> None:
        super().__init__(name, base_url, **options)
        self.cache = cache if cache is not None else ReadCache(0)

    async def request(
        self,
        method: Method,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
        field: str | None = None,
        only_reads: bool = False,
    ) -> httpx.Response:
        """`only_reads`: a POST that changes nothing (ids sent in a body): retried as a read, and
        the cache is kept."""
        response = await super().request(
            method,
            path,
            headers=headers,
            params=params,
            json=json,
            content=content,
            idempotent=True if only_reads else idempotent,
            deadline=deadline,
            field=field,
        )
        if method not in ("GET", "HEAD") and not only_reads:
            # A change made through this process shows at once in what it reads next.
            self.cache.clear()
        if not _kept_read.get():
            note_fresh_read()
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
        by_id: ById | None = None,
    ) -> Any:
        """A read for `caller`, answered from the cache while fresh unless `fresh` is asked. With a
        body it is POSTed: the services take long id lists (a page of parts) in a body, not a URL.
        `headers` is asked only when the call is made: a hit needs no internal token. `by_id`:
        the answer's items are kept one by one too, for `read_by_ids` (even when the answer
        itself is read afresh: the items are as fresh as can be)."""

        async def fetch() -> Any:
            generation = self.cache.generation
            if body is None:
                answer = await self.get_json(path, headers=headers(), params=params)
            else:
                answer = (await self.request("POST", path, headers=headers(), json=body, only_reads=True)).json()
            if by_id is not None:
                self._keep_by_id(by_id.path, by_id.items(answer), caller=caller, generation=generation)
            return answer

        if fresh or self.cache.seconds <= 0:
            return await fetch()

        async def fetch_to_keep() -> Any:
            token = _kept_read.set(True)
            try:
                return await fetch()
            finally:
                _kept_read.reset(token)

        return await self.cache.get(_key(path, caller, params, body), fetch_to_keep)

    async def read_by_ids(
        self,
        path: str,
        ids: Sequence[str],
        *,
        caller: Hashable,
        headers: Callable[[], dict[str, str]],
        fresh: bool = False,
    ) -> list[dict[str, Any]]:
        """Items by id (`path?ids=a,b`) for `caller`, in any order, each answered from the cache
        while fresh unless `fresh` is asked: an item read a moment ago, by id or among the items of
        another answer (`read_json(by_id=...)`), is not asked for again, and one call asks for the
        rest. Each item is kept under the key of a read of it alone, holding what that read
        answers (a list of it), so whatever drops that read (an event about the item) drops it."""
        found: list[dict[str, Any]] = []
        missing: list[str] = []
        for item_id in ids:
            kept = None if fresh else self.cache.peek(_key(path, caller, {"ids": item_id}, None))
            if kept is None:
                missing.append(item_id)
            else:
                found.extend(kept)
        if missing:
            found += await self.read_json(
                path,
                caller=caller,
                headers=headers,
                params={"ids": ",".join(missing)},
                fresh=fresh,
                by_id=None if fresh else ById(path, list),
            )
        return found

    def _keep_by_id(self, path: str, items: Iterable[dict[str, Any]], *, caller: Hashable, generation: int) -> None:
        for item in items:
            self.cache.put(_key(path, caller, {"ids": str(item["id"])}, None), [item], generation)


@dataclass(frozen=True)
class ById:
    """Where the items of an answer are read by id: `path?ids=a,b`, and how to find them in it."""

    path: str
    items: Callable[[Any], Iterable[dict[str, Any]]]


def _key(path: str, caller: Hashable, params: Mapping[str, Any] | None, body: Any) -> Hashable:
    """A read's key in the cache: what gateway/invalidation.py takes apart to find what a change
    drops (path, caller, params, body)."""
    return (
        path,
        caller,
        orjson.dumps(params, option=orjson.OPT_SORT_KEYS),
        orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
    )


@dataclass
class ServiceClients:
    catalog: Upstream
    orders: Upstream
    certification: Upstream

    @classmethod
    def open(
        cls, settings: GatewaySettings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
    ) -> ServiceClients:
        # Sized for a page of 100 parts fanned out to every service at once.
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)

        def client(name: str, url: str) -> Upstream:
            transport = (transports or {}).get(name)
            if transport is None and settings.upstream_transport == "aiohttp":
                transport = AiohttpTransport(limits=limits)
            return Upstream(
                name,
                url,
                cache=ReadCache(settings.read_cache_seconds),
                timeout=settings.upstream_timeout,
                # No call outlives the GraphQL request it serves (gateway.context sets that one's).
                deadline=settings.request_deadline_seconds,
                connect_timeout=2.0,
                limits=limits,
                transport=transport,
            )

        return cls(
            catalog=client("catalog", settings.catalog_url),
            orders=client("orders", settings.orders_url),
            certification=client("certification", settings.certification_url),
        )

    def upstreams(self) -> tuple[Upstream, ...]:
        return self.catalog, self.orders, self.certification

    def read_cache_generations(self) -> tuple[int, ...]:
        """Changes whenever any upstream's read cache is cleared or discarded."""
        return tuple(upstream.cache.generation for upstream in self.upstreams())

    async def aclose(self) -> None:
        for upstream in self.upstreams():
            await upstream.aclose()
