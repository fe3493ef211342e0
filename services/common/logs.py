"""Logging of every process, configured here and nowhere else.

Every line goes through the standard library's handlers (so uvicorn's, alembic's and our own
`logging.getLogger(__name__)` lines look alike) and carries its time, level, logger, process
and the id of the request it belongs to. Production writes one JSON object per line, for a log
collector; development writes readable lines. INFO and above are shown.

The request id comes from the X-Request-ID header the caller sent (the storefront sends the
one it made for the buyer's page), or is made here; every call a process makes to another
carries it on (`carry_request_id`), so one buyer's click can be followed through the
storefront, the gateway and each service it reached.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import httpx
import structlog
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from starlette.applications import Starlette

from services.common.tracing import trace_ids

REQUEST_ID_HEADER = "X-Request-ID"
# Probes ask every few seconds; their lines would bury everything else.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")

_configured_for: str | None = None


def _add_request_id(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = correlation_id.get()
    if request_id:
        event.setdefault("request_id", request_id)
    for key, value in trace_ids().items():
        event.setdefault(key, value)
    return event


def _processor(process: str) -> Any:
    def add_process(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("process", process)
        return event

    return add_process


class QuietProbes(logging.Filter):
    """Drops uvicorn's access lines for health probes and metric scrapes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            return not args[2].startswith(QUIET_PATHS)
        return True


def configure_logging(process: str, environment: str) -> None:
    """Once per process; the test suite keeps pytest's own capture (environment "test")."""
    global _configured_for
    if environment == "test" or _configured_for == process:
        return
    _configured_for = process
    # uvicorn's --no-access-log leaves its access logger without handlers or propagation.
    access = logging.getLogger("uvicorn.access")
    access_log_on = bool(access.handlers) or access.propagate
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _processor(process),
        _add_request_id,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if environment == "production"
        else structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0)
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"quiet_probes": {"()": QuietProbes}},
            "formatters": {
                "main": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "foreign_pre_chain": shared,
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info,
                        renderer,
                    ],
                }
            },
            "handlers": {
                "main": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"},
            },
            "root": {"handlers": ["main"], "level": "INFO"},
            "loggers": {
                # uvicorn's own handlers go: its lines reach the root's, formatted like ours.
                "uvicorn": {"handlers": [], "propagate": True},
                "uvicorn.error": {"handlers": [], "propagate": True},
                "uvicorn.access": {"handlers": [], "propagate": access_log_on, "filters": ["quiet_probes"]},
                # A line per call out repeated the access line of the service called, which
                # carries the same request id; failed calls are logged by our client. It was 3 %
                # of the gateway's CPU under the storefront's traffic.
                "httpx": {"level": "WARNING"},
            },
        }
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def add_request_ids(app: Starlette, *, keep_incoming: bool = True) -> None:
    """Outermost middleware: keeps the caller's request id (another of our processes, or an
    integrator's) or makes one, and answers it in the header."""
    validator = _acceptable if keep_incoming else _never
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=validator)


def _never(_: str) -> bool:
    return False


def _acceptable(value: str) -> bool:
    """Another process's id is kept if it looks like one: short, printable, no spaces."""
    return 0 < len(value) <= 64 and value.isascii() and value.isprintable() and " " not in value


def carry_request_id(request: httpx.Request) -> None:
    """An httpx request hook: the request id of the work in hand goes on every outgoing call."""
    request_id = correlation_id.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


async def carry_request_id_async(request: httpx.Request) -> None:
    carry_request_id(request)
