"""The worker's /metrics as Prometheus scrapes it: what its relays published and its outboxes'
lag, on its own port."""

from __future__ import annotations

import time
import uuid

import httpx
from sqlmodel import Session

from ops.worker.metrics import serve_metrics
from services.catalog.models import EVENTS
from tests.databases import Databases
from tests.events.running import RunningWorker
from tests.factories import sample
from tests.harness import free_port
from tests.ops.worker.helpers import worker_context


def test_the_worker_serves_what_its_relays_published_and_each_outboxs_lag(databases: Databases, nats_url: str) -> None:
    context = worker_context(databases, nats_url)
    with RunningWorker(context, consumers=[]) as running:
        port = free_port()
        serve_metrics(running.worker, port, "127.0.0.1")
        with Session(context.engine("catalog")) as session:
            EVENTS.record(session, "stock.changed", aggregate_id=uuid.uuid4(), data={"n": 1})
            session.commit()
        deadline = time.monotonic() + 15
        text = ""
        while time.monotonic() < deadline:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            if (sample(text, "tongnan_events_published_total", service="catalog") or 0) >= 1:
                break
            time.sleep(0.2)
        assert (sample(text, "tongnan_events_published_total", service="catalog") or 0) >= 1, text
        assert sample(text, "tongnan_outbox_lag_seconds", service="worker-catalog") is not None
        assert sample(text, "tongnan_db_pool_connections", service="worker-orders", state="size") is not None
