"""Answers kept for a while in this process: for reads that every page repeats and whose
answer changes rarely, where being a minute late is part of the contract (the catalog's make
selector, a search's facet counts), never for what a buyer acts on (prices, stock, results),
except under a key holding everything the answer is computed from (a part's landed estimate:
its facts, the country, currency, rate and day), where the time bounds only a clock's effect.

Each process keeps its own (replicas may differ for up to `seconds`). The clock is `utcnow`,
so tests move it with `travel`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

from services.common.clock import utcnow

V = TypeVar("V")


class Kept(Generic[V]):
    """Answers by key, each kept `seconds` (0 keeps nothing), at most `max_entries` of them.
    Safe across the threads a service's routes run in; answers are shared, so readers must
    not change them."""

    def __init__(self, seconds: float, max_entries: int = 2_000) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._answers: TTLCache[Hashable, V] = TTLCache(
            maxsize=max_entries, ttl=max(seconds, 0.001), timer=lambda: utcnow().timestamp()
        )

    def get(self, key: Hashable) -> V | None:
        if self.seconds <= 0:
            return None
        with self._lock:
            return self._answers.get(key)

    def get_or_put(self, key: Hashable, answer: Callable[[], V]) -> V:
        """The answer kept under `key`, else `answer()`, kept."""
        found = self.get(key)
        return found if found is not None else self.put(key, answer())

    def put(self, key: Hashable, answer: V) -> V:
        if self.seconds > 0:
            with self._lock:
                self._answers[key] = answer
        return answer

    def clear(self) -> None:
        """Forget every answer: what they were read from was replaced wholesale (a restore, an
        emptied test database)."""
        with self._lock:
            self._answers.clear()
