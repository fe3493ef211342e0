"""Part and stock events clear the gateway's read cache in every gateway process.

Each gateway process, when TONGNAN_NATS_URL names the events server, holds a core NATS
subscription to `tongnan.part.>` (part.created, part.updated, part.delisted,
part.markets_changed and any part event to come) and `tongnan.stock.changed`. The relay
publishes events into JetStream on those subjects, and the server hands every published message
to every core subscriber too: each process hears each event, with no consumer state on the
server per process (an ephemeral JetStream consumer per process would add acks and a consumer
to clean up after a process that died, for nothing: a cache needs no replay). A message lost
while the process is disconnected is made good by clearing the whole cache on reconnecting;
the cache's own seconds bound anything else.

What an event about part P drops (`affects`):

- the catalog's reads by part id (`/parts?ids=...`) that include P: mapped exactly;
- every search page and OEM-number lookup (`/parts/search`, `/parts/by-oem-number`): whether a
  page shows P depends on its stock, price and listing, so they cannot be mapped and all go;
- the certification service's eligibility and applicable-certificate answers for P (their
  bodies name the parts), as a part's category or markets may have changed.

Suppliers, certificates by id and price conversions stay: no part or stock event changes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Hashable, Iterable
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from gateway.clients import ReadCache

log = logging.getLogger(__name__)

SUBJECTS = ("tongnan.part.>", "tongnan.stock.changed")
# Answers that list parts chosen by a filter: any part's change may change them.
PAGES = frozenset({"/parts/search", "/parts/by-oem-number"})
BY_IDS = "/parts"
# Certification reads whose body lists the parts they are about.
ABOUT_PARTS = frozenset({"/eligibility", "/certificates/applicable"})
RETRY_CONNECT_SECONDS = 2.0


def _ids(params: bytes) -> set[str]:
    loaded = json.loads(params)
    return set(str(loaded.get("ids", "")).split(",")) if isinstance(loaded, dict) else set()


def _parts_in(body: bytes) -> set[str]:
    loaded = json.loads(body)
    if not isinstance(loaded, dict):
        return set()
    return {str(p.get("part_id")) for p in loaded.get("parts") or () if isinstance(p, dict)}


def affects(key: Hashable, part_ids: set[str]) -> bool:
    """Whether the cached answer under `key` (path, caller, params, body) may show one of
    `part_ids` as it was before its change."""
    if not (isinstance(key, tuple) and len(key) == 4):
        return False
    path, _caller, params, body = key
    if path in PAGES:
        return True
    if path == BY_IDS:
        return not part_ids.isdisjoint(_ids(params))
    if path in ABOUT_PARTS:
        return not part_ids.isdisjoint(_parts_in(body))
    return False


def part_of(envelope: dict[str, Any]) -> str:
    data = envelope.get("data") or {}
    return str(data.get("part_id") or envelope["aggregate_id"])


class CacheInvalidator:
    """Drops the answers that part and stock events make stale from `caches`, in this process."""

    def __init__(self, url: str, caches: Iterable[ReadCache]) -> None:
        self.url = url
        self.caches = list(caches)
        self.events = 0
        self.dropped = 0
        self._pending: set[str] = set()
        self._wake = asyncio.Event()
        self._nc: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()

    def start(self) -> None:
        """Connects in the background: the gateway serves (on the cache's seconds alone) while
        the events server is away."""
        self._tasks = [asyncio.create_task(self._connect()), asyncio.create_task(self._apply())]

    async def _connect(self) -> None:
        while True:
            try:
                nc = await nats.connect(
                    self.url,
                    name="tongnan-gateway-cache",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    reconnected_cb=self._reconnected,
                    error_cb=self._error,
                )
            except Exception as exc:
                log.warning("read cache invalidation: cannot reach %s (%s); retrying", self.url, exc)
                await asyncio.sleep(RETRY_CONNECT_SECONDS)
                continue
            break
        for subject in SUBJECTS:
            await nc.subscribe(subject, cb=self._on_event)
        await nc.flush()
        self._nc = nc
        self._clear_all()  # whatever changed before the subscription started
        self.connected.set()

    async def _error(self, exc: Exception) -> None:
        log.warning("read cache invalidation: %s", exc)

    async def _reconnected(self) -> None:
        # Events published while disconnected were not heard: forget everything.
        self._clear_all()

    def _clear_all(self) -> None:
        for cache in self.caches:
            cache.clear()

    async def _on_event(self, message: Msg) -> None:
        try:
            self._pending.add(part_of(json.loads(message.data)))
        except (ValueError, KeyError, TypeError):
            log.warning("read cache invalidation: unreadable event on %s; clearing the cache", message.subject)
            self._clear_all()
            return
        self.events += 1
        self._wake.set()

    async def _apply(self) -> None:
        # Events that arrive while one batch is applied make the next: under a burst, one pass
        # over the cache serves many events.
        while True:
            await self._wake.wait()
            self._wake.clear()
            parts, self._pending = self._pending, set()
            self.drop(parts)

    def drop(self, parts: set[str]) -> None:
        for cache in self.caches:
            self.dropped += cache.discard(lambda key: affects(key, parts))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None
