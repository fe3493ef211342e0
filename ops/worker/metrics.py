"""The worker's /metrics: what its relays and consumers have done since it started, and each
outbox's lag, on a port of its own (`TONGNAN_WORKER_METRICS_PORT`), since it serves no HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, Metric

from services.common.metrics import DatabaseCollector

if TYPE_CHECKING:
    from ops.worker.main import Worker


class WorkerCollector:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        published = CounterMetricFamily(
            "tongnan_events_published", "Events this worker relayed from an outbox to NATS", labels=["service"]
        )
        for relay in self.worker.relays:
            published.add_metric([relay.tables.source], relay.published)
        yield published
        consumed = CounterMetricFamily(
            "tongnan_events_consumed",
            "Events this worker's consumers took: applied, skipped (applied before) or dead (given up)",
            labels=["consumer", "outcome"],
        )
        for runner in self.worker.runners:
            name = runner.subscription.name
            consumed.add_metric([name, "applied"], runner.applied)
            consumed.add_metric([name, "skipped"], runner.skipped)
            consumed.add_metric([name, "dead"], runner.dead)
        yield consumed


def serve_metrics(worker: Worker, port: int, host: str = "0.0.0.0") -> None:
    """Serves /metrics from a thread of its own until the process ends."""
    from ops.worker.main import OUTBOXES

    registry = CollectorRegistry()
    registry.register(WorkerCollector(worker))
    for service, tables in OUTBOXES:
        registry.register(DatabaseCollector(f"worker-{service}", worker.context.engine(service), tables))
    start_http_server(port, addr=host, registry=registry)
