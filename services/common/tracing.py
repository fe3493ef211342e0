"""Traces across the processes with OpenTelemetry, in W3C `traceparent` headers.

Off unless an OTLP endpoint is configured (the standard OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): then every app's requests, its calls to other processes
and its SQL become spans of one trace per buyer's click, exported over OTLP/HTTP. Nothing is
instrumented otherwise, so an untraced process pays nothing for it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

# The SDK and the instrumentations are imported only when tracing is on: together they take
# most of a second to import, which every untraced start (and restart) would pay.
if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy import Engine

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes are not work anyone follows.
UNTRACED_URLS = "healthz,readyz,metrics"

_enabled = False


def start_tracing(process: str, exporter: SpanExporter | None = None) -> bool:
    """Once per process, before its apps are built: whether traces are on. `exporter`: where
    spans go instead of OTLP (the tests' in-memory exporter), exported as each span ends."""
    global _enabled
    if _enabled:
        return True
    if exporter is None and not any(os.environ.get(v) for v in ENDPOINT_VARIABLES):
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"tongnan-{process}"}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _enabled = True
    return True


def stop_tracing() -> None:
    """Apps built from now on are not traced (tests turn tracing on for a few apps only)."""
    global _enabled
    _enabled = False


def trace_app(app: FastAPI, engine: Engine | None = None) -> None:
    if not _enabled:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)
    if engine is not None:
        # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged.
        SQLAlchemyInstrumentor().instrument(engine=engine, skip_dep_check=True)


def tracing_on() -> bool:
    """Whether apps and clients built now are traced."""
    return _enabled


def trace_client(client: httpx.Client | httpx.AsyncClient, *, traced: bool | None = None) -> None:
    """Spans for a client's calls, with `traceparent` on each: the callee's spans join the trace.
    `traced`: whether to, for a client built later than its owner (by default, `tracing_on()`)."""
    if _enabled if traced is None else traced:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(client)


def trace_ids() -> dict[str, Any]:
    """The current trace and span ids, for log lines; empty outside a traced request."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}
