"""Replicas: two orders services and two workers against one PostgreSQL and one NATS.

The orders services only write their events (no process polls for webhooks any more); both
workers relay the outbox and run the webhook consumer. However the events are shared out
between them, each event reaches the integrator's endpoint once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.orders.app import create_app as create_orders
from services.orders.integrations.delivery import CONSUMER, EVENT_ID_HEADER, verify_signature
from services.orders.models import EVENTS
from tests.databases import Databases
from tests.events.running import RunningWorker, worker_context
from tests.harness import Served
from tests.orders.factories import ADMIN, Stack, as_buyer, orders_settings

pytestmark = pytest.mark.postgres_only

ORDERS = int(os.environ.get("TONGNAN_REPLICAS_ORDERS", "500"))
CLIENTS = 2


class Counting:
    """The integrator's endpoint: counts the POSTs of each event id, and keeps the bodies."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()
        self.bodies: dict[str, tuple[str, bytes]] = {}
        self.lock = threading.Lock()

        async def hook(request: Request) -> Response:
            body = await request.body()
            event_id = request.headers[EVENT_ID_HEADER]
            with self.lock:
                self.posts[event_id] += 1
                self.bodies[event_id] = (request.headers["tongnan-signature"], body)
            return Response(status_code=204)

        self.server = Served(Starlette(routes=[Route("/hooks", hook, methods=["POST"])])).start()

    def total(self) -> int:
        with self.lock:
            return sum(self.posts.values())


@pytest.fixture
def receiver() -> Iterator[Counting]:
    counting = Counting()
    yield counting
    counting.server.stop()


def test_two_services_and_two_workers_send_each_event_once(
    stack: Stack, databases: Databases, nats_url: str, receiver: Counting
) -> None:
    settings = orders_settings(stack, databases)
    replicas = [Served(create_orders(settings)).start() for _ in range(2)]
    workers = [RunningWorker(worker_context(databases, nats_url, settings)).start() for _ in range(2)]
    clients = [httpx.Client(base_url=r.url, timeout=60) for r in replicas]
    try:
        subscription = stack.orders.post(
            "/webhook-subscriptions",
            json={"url": f"{receiver.server.url}/hooks", "events": ["order.created", "order.cancelled"]},
            headers=ADMIN,
        ).json()
        part = stack.part(stack.supplier(), on_hand=ORDERS)
        started = time.monotonic()

        def place_and_cancel(n: int) -> None:
            # Order n goes through replica n % 2; half of them are cancelled through the other.
            client, other = clients[n % 2], clients[(n + 1) % 2]
            buyer = as_buyer(f"acct-replica-buyer-{n % 25}")
            body = {"lines": [{"part_id": part["id"], "quantity": 1}], "destination_country": "DE"}
            quote = client.post("/quotes", json={**body, "incoterm": "DDP", "currency": "EUR"}, headers=buyer)
            assert quote.status_code == 201, quote.text
            key = f"checkout-replicas-{n}"
            placed = client.post(
                "/orders", json={"quote_id": quote.json()["id"], "idempotency_key": key}, headers=buyer
            )
            assert placed.status_code == 201, placed.text
            cancelled = other.post(f"/orders/{placed.json()['order']['id']}/cancel", headers=buyer)
            assert cancelled.status_code == 200, cancelled.text

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(place_and_cancel, range(ORDERS)))
        written = time.monotonic() - started
        with stack.engine.connect() as connection:
            envelopes = connection.execute(select(EVENTS.outbox.c.envelope)).scalars().all()
        expected = {e["id"] for e in envelopes if e["type"] in ("order.placed", "order.cancelled")}
        assert len(expected) == 2 * ORDERS

        deadline = time.monotonic() + 60
        while receiver.total() < len(expected) and time.monotonic() < deadline:
            time.sleep(0.1)
        sent = time.monotonic() - started
        time.sleep(2)  # a late duplicate would arrive now
        assert receiver.total() == len(expected)
        assert set(receiver.posts) == expected and set(receiver.posts.values()) == {1}
        some = next(iter(receiver.bodies.values()))
        assert verify_signature(subscription["secret"], some[0], some[1])
        runners = [worker.runner(CONSUMER) for worker in workers]
        shares = [runner.applied for runner in runners]
        assert sum(shares) == len(expected) and all(share > 0 for share in shares), shares
        print(f"\n{2 * ORDERS} events: written in {written:.1f} s, all sent after {sent:.1f} s; workers {shares}")
    finally:
        for client in clients:
            client.close()
        for worker in workers:
            worker.stop()
        for replica in replicas:
            replica.stop()
