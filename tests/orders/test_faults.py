"""Faults on a real stack, on PostgreSQL: a database connection dropped in the middle of a request.

The request fails with a clear problem response and writes nothing; the very next request
succeeds on a fresh connection.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Connection, text

from services.common.errors import PROBLEM_JSON
from tests.orders.conftest import Stack, as_buyer


def _wait_until_blocked(connection: Connection, database: str, timeout: float = 15.0) -> None:
    """Until some other backend of `database` waits for a lock (the request behind ours)."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = :db AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        )
        if waiting:
            return
        assert time.monotonic() < deadline, "the request never reached the locked row"
        time.sleep(0.05)


def _drop_other_connections(connection: Connection, database: str) -> int:
    """What a database restart or a network cut does to a service: every connection of its but
    ours terminated by the server."""
    return int(
        connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        )
        or 0
    )


@pytest.mark.postgres_only
def test_a_database_connection_dropped_mid_request_fails_cleanly_and_the_next_request_succeeds(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 2)])
    order = stack.place(buyer, quote["id"])["order"]
    intent_id = order["payment_intent_id"]
    database = str(stack.engine.url.database)

    # The cancellation must lock the order row first; holding that lock keeps it in flight.
    with stack.engine.connect() as holder, ThreadPoolExecutor(max_workers=1) as pool:
        holder.execute(text("SELECT id FROM orders WHERE id = :id FOR UPDATE"), {"id": order["id"]})
        pending = pool.submit(stack.orders.post, f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
        _wait_until_blocked(holder, database)
        assert _drop_other_connections(holder, database) >= 1
        dropped = pending.result(timeout=30)
        holder.rollback()

    assert dropped.status_code == 503, dropped.text
    assert dropped.headers["content-type"] == PROBLEM_JSON
    problem = dropped.json()
    assert problem["code"] == "DATABASE_UNAVAILABLE" and "try again" in problem["detail"]
    assert dropped.headers["retry-after"] == "1"
    # Nothing of the cancellation happened: not the order's change, not the release, not Stripe's.
    assert stack.order(order["id"])["status"] == "PENDING_PAYMENT"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 2, "available": 3}
    assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] == "requires_payment_method"

    again = stack.orders.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "CANCELLED"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] == "canceled"
