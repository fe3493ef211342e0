"""/metrics on every process, in Prometheus' text format.

Two kinds of series. Each process counts its own HTTP requests (by route template, method and
status) and their latency, through prometheus-fastapi-instrumentator. The business series are
read from the database when Prometheus scrapes (orders placed, paid and refunded, payments
failed, the webhook backlog, outbox lag, FX rate age, reservations expired): every replica of
a service reports the same value, so aggregate them with max(), not sum().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from services.common.clock import UtcDateTime, utcnow
from services.common.events.tables import EventTables
from services.common.logs import QUIET_PATHS


def install_metrics(app: FastAPI, *collectors: Collector) -> CollectorRegistry:
    """Instruments the app's routes and serves them, with `collectors`, at /metrics. The registry
    is the app's own, so the apps a test process builds never share series."""
    registry = CollectorRegistry()
    instrumentator = Instrumentator(
        registry=registry, excluded_handlers=list(QUIET_PATHS), should_group_status_codes=False
    )
    instrumentator.instrument(app).expose(app, include_in_schema=False)
    for collector in collectors:
        registry.register(collector)
    app.state.metrics = registry
    return registry


def seconds_since(moment: datetime | None) -> float:
    return 0.0 if moment is None else max(0.0, (utcnow() - moment).total_seconds())


class DatabaseCollector:
    """Read at scrape time: the connection pool, the outbox, and whatever else `extra` reads.
    A database that cannot be reached yields the pool's series only (and /readyz says why)."""

    def __init__(
        self,
        service: str,
        engine: Engine,
        events: EventTables | None = None,
        extra: Callable[[Any], Iterable[Metric]] | None = None,
    ) -> None:
        self.service = service
        self.engine = engine
        self.events = events
        self.extra = extra

    def describe(self) -> list[Metric]:
        return []  # read on demand: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        pool = GaugeMetricFamily(
            "tongnan_db_pool_connections", "Connections of this process's database pool", labels=["service", "state"]
        )
        checked_out = getattr(self.engine.pool, "checkedout", None)
        size = getattr(self.engine.pool, "size", None)
        if callable(checked_out) and callable(size):
            pool.add_metric([self.service, "in_use"], checked_out())
            pool.add_metric([self.service, "size"], size())
        yield pool
        try:
            with self.engine.connect() as connection:
                if self.events is not None:
                    yield from self._outbox(connection)
                if self.extra is not None:
                    yield from self.extra(connection)
        except SQLAlchemyError:
            return

    def _outbox(self, connection: Any) -> Iterator[Metric]:
        assert self.events is not None
        outbox = self.events.outbox
        count, oldest = connection.execute(
            select(func.count(), oldest_of(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
        ).one()
        unpublished = GaugeMetricFamily(
            "tongnan_outbox_unpublished_events", "Events written and not yet relayed to NATS", labels=["service"]
        )
        unpublished.add_metric([self.service], count)
        yield unpublished
        lag = GaugeMetricFamily(
            "tongnan_outbox_lag_seconds", "Age of the oldest event not yet relayed to NATS", labels=["service"]
        )
        lag.add_metric([self.service], seconds_since(oldest))
        yield lag


def oldest_of(column: Any) -> Any:
    """min() of a UtcDateTime column, read back through the column's own type: an aggregate
    would otherwise lose it, and SQLite hand back a naive datetime."""
    return func.min(column, type_=UtcDateTime)


def counter(name: str, documentation: str, labels: list[str], rows: Iterable[tuple[Any, ...]]) -> Metric:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for *values, count in rows:
        family.add_metric([str(v) for v in values], count)
    return family


def gauge(name: str, documentation: str, labels: list[str], rows: Iterable[tuple[Any, ...]]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for *values, value in rows:
        family.add_metric([str(v) for v in values], value)
    return family
