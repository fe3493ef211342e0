"""Whole answers to visitors' queries, kept as long as every read they were made from.

A visitor's search page is the same answer for every visitor who sends the same query with the
same variables, language and address: the catalog's and the other services' reads it was made
from are kept a moment anyway (`ReadCache`, gateway/clients.py), so executing it again, some 600
fields of a page of parts, gives the same answer for that moment. It is kept instead, under
these rules, so that it is never staler than the reads it was made from:

- only queries of callers without credentials (buyers, suppliers and staff see their own data,
  and a buyer's cart or addresses may be in any answer) and only answers without errors;
- only answers made from kept reads alone: one read asked afresh (a `shipsTo` page, a
  certificate's public verification, anything read straight from a service or the gateway's
  database) makes the answer one that is not kept;
- an answer lives until the first of its reads expires, and any change that clears or
  discards a read (a write through this process, a part or stock event) drops every answer
  made before it.

Each request notes its reads in a `Reads` held in a context variable, which the tasks that
graphql-core and the data loaders start inherit.
"""

from __future__ import annotations

import contextvars
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from graphql import ExecutionResult as GraphQLExecutionResult
from prometheus_client import Counter
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

if TYPE_CHECKING:
    from gateway.context import Context

KEPT_ANSWERS = Counter(
    "tongnan_graphql_kept_answers",
    "Visitors' query answers: served from the kept answers (hit), executed and kept (kept), or "
    "executed and not kept because a read was asked afresh or the answer had errors (not_kept)",
    ["outcome"],
    registry=None,
)


@dataclass
class Reads:
    """What one request's answer was made from."""

    keepable: bool = True
    expires: float = math.inf


_reads: contextvars.ContextVar[Reads | None] = contextvars.ContextVar("reads", default=None)


def note_kept_read(expires: float) -> None:
    """A read answered from, or put into, a read cache until `expires`."""
    reads = _reads.get()
    if reads is not None and expires < reads.expires:
        reads.expires = expires


def note_fresh_read() -> None:
    """A read asked afresh: the answer made from it is not kept."""
    reads = _reads.get()
    if reads is not None:
        reads.keepable = False


class KeptAnswers:
    """Answers by key, each with its expiry and the read caches' generations it was made in."""

    def __init__(
        self,
        generations: Callable[[], tuple[int, ...]],
        *,
        max_entries: int = 2_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.generations = generations
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, tuple[int, ...], Any]] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, generations, data = entry
        if expires <= self.clock() or generations != self.generations():
            del self._entries[key]
            return None
        return data

    def put(self, key: Hashable, data: Any, expires: float, generations: tuple[int, ...]) -> None:
        now = self.clock()
        if expires <= now or generations != self.generations():
            return
        self._entries[key] = (expires, generations, data)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        # Answers live as long as their reads, not all alike: drop the expired ones met first.
        while self._entries and next(iter(self._entries.values()))[0] <= now:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class KeepAnswers(SchemaExtension):
    """Answers a visitor's query from the kept answers, or executes it and keeps its answer."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        kept = context.kept_answers
        if kept is None or context.principal is not None or execution.operation_type is not OperationType.QUERY:
            yield
            return
        key = (
            execution.query,
            execution.operation_name,
            orjson.dumps(execution.variables or {}, option=orjson.OPT_SORT_KEYS),
            context.locale,
            context.base_url,
        )
        data = kept.get(key)
        if data is not None:
            KEPT_ANSWERS.labels("hit").inc()
            execution.result = GraphQLExecutionResult(data=data, errors=None)
            yield
            return
        generations = kept.generations()
        reads = Reads()
        token = _reads.set(reads)
        try:
            yield
        finally:
            _reads.reset(token)
        result = execution.result
        if not (reads.keepable and isinstance(result, GraphQLExecutionResult) and result.data and not result.errors):
            KEPT_ANSWERS.labels("not_kept").inc()
            return
        expires = reads.expires if reads.expires < math.inf else kept.clock() + context.settings.read_cache_seconds
        kept.put(key, result.data, expires, generations)
        KEPT_ANSWERS.labels("kept").inc()
