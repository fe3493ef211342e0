"""What one request may cost: body size, rate per caller, and the query's own cost.

Depth, alias and token limits are strawberry's own extensions (see schema.py); the cost
ceiling is ours, since strawberry ships none. Everything here refuses before any
upstream call is made.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from threading import Lock
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

DEFAULT_PAGE = 20


class BodySizeLimit:
    """Refuses a request body over `max_bytes` with 413 before reading the rest of it.

    A multipart request (the GraphQL multipart request spec, for a certificate's PDF) may be
    `max_upload_bytes` larger: the file on top of what any JSON request may carry."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self.max_bytes
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
            limit += self.max_upload_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "data": None,
                "errors": [
                    {
                        "message": f"request body larger than {limit} bytes",
                        "extensions": {"code": "BAD_USER_INPUT", "reason": "BODY_TOO_LARGE"},
                    }
                ],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class TokenBuckets:
    """One token bucket per key (an API key, an account or a client address), in this process."""

    def __init__(
        self, *, per_minute: float, burst: int, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = Lock()

    def take(self, key: str) -> float:
        """Spend one token; 0.0 when allowed, else the seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self.max_keys:  # forget the longest-idle callers
                self._buckets.popitem(last=False)
            return wait


def query_cost(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """Each field costs 1; a field with `first` multiplies what is under it by that page size
    (20 when not given), so a connection of 100 parts with five fields each costs 500."""

    def page(field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = variables.get(value.name.value)
                return max(1, int(given)) if isinstance(given, int) else DEFAULT_PAGE
        return DEFAULT_PAGE if field.name.value.endswith("s") and _is_connection(field) else 1

    def cost(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + page(selection) * cost(selection.selection_set, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in fragments:
                    continue
                total += cost(fragments[name].selection_set, seen | {name})
        return total

    return cost(operation.selection_set, frozenset())


def _is_connection(field: FieldNode) -> bool:
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value == "edges" for s in selections)


class QueryCostLimiter(SchemaExtension):
    """Refuses an operation whose cost is over the context's `settings.max_query_cost`."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        max_cost = ctx.context.settings.max_query_cost
        document = ctx.graphql_document
        if document is not None:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if ctx.operation_name:
                operations = [o for o in operations if o.name and o.name.value == ctx.operation_name]
            total = sum(query_cost(o, fragments, ctx.variables or {}) for o in operations[:1])
            if total > max_cost:
                raise GraphQLError(
                    f"query cost {total} exceeds the ceiling of {max_cost}; ask for fewer items or fields",
                    extensions={"code": "BAD_USER_INPUT", "reason": "QUERY_TOO_COSTLY", "cost": total},
                )
        yield


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
