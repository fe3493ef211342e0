"""One log line and two metric series per GraphQL operation: its name, type, time and errors.

The gateway runs without uvicorn's access log, whose every line would read "POST /graphql
200"; this line says which operation it was and how it went, with the request id that the
storefront and the services log too.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

from opentelemetry import trace
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

log = logging.getLogger("gateway.operations")

# Operation names come from clients: only names that look like names are series of their own,
# and at most this many, so no client can grow the metrics without bound.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_seen: set[str] = set()

OPERATIONS = Counter(
    "tongnan_graphql_operations",
    "GraphQL operations by name, type and outcome (ok, or the first error code)",
    ["operation", "type", "outcome"],
    registry=None,
)
OPERATION_SECONDS = Histogram(
    "tongnan_graphql_operation_seconds",
    "Time to execute a GraphQL operation, by name and type",
    ["operation", "type"],
    registry=None,
)


def series_name(name: str | None) -> str:
    if not name:
        return "(anonymous)"
    if name in _seen:
        return name
    if _NAME.fullmatch(name) and len(_seen) < MAX_OPERATION_NAMES:
        _seen.add(name)
        return name
    return "(other)"


class OperationLog(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        context = self.execution_context
        result = context.result
        errors = (result.errors or []) if result else []
        codes = sorted({str((e.extensions or {}).get("code", "INTERNAL")) for e in errors})
        operation_type = getattr(getattr(context, "operation_type", None), "value", "query")
        name = series_name(context.operation_name)
        span = trace.get_current_span()
        if span.is_recording():
            span.update_name(f"graphql {operation_type} {context.operation_name or '(anonymous)'}")
            span.set_attribute("graphql.operation.name", context.operation_name or "")
            span.set_attribute("graphql.operation.type", operation_type)
        OPERATIONS.labels(name, operation_type, codes[0] if codes else "ok").inc()
        OPERATION_SECONDS.labels(name, operation_type).observe(seconds)
        log.info(
            "graphql %s",
            context.operation_name or "(anonymous)",
            extra={
                "operation": context.operation_name,
                "operation_type": operation_type,
                "duration_ms": round(seconds * 1000, 1),
                "error_codes": codes,
            },
        )
