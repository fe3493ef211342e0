"""The persisted checkout saga: a placeOrder killed right after the catalog reserved its stock
leaves its order RESERVING; the same key again converges on the same hold and places the order,
and an order nobody retries is cancelled by reconciliation with its stock given back. A
cancelled unpaid order's units come back through the order.cancelled event (the catalog's
consumer in the worker), even when the cancellation could not reach the catalog itself."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from marketplace.actors import SYSTEM as SYSTEM_ACTOR
from ops.worker.reactions import catalog_release_on_cancel
from services.catalog.models import Reservation
from services.common.clock import utcnow
from services.orders.checkout import reconcile
from services.orders.deps import OrdersDeps
from services.orders.models import Order
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.events.running import RunningWorker, worker_context
from tests.harness import free_port
from tests.orders.factories import WEBHOOK_SECRET, Stack, as_buyer, orders_settings, serve_orders


def _settings_json(stack: Stack, databases: Databases) -> str:
    return json.dumps(
        {
            "database_url": databases.migrated("orders"),
            "stripe_api_base": stack.localstripe_url,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "catalog_url": str(stack.catalog.base_url),
        }
    )


def _place_and_die(stack: Stack, databases: Databases, buyer: str, quote_id: str, key: str) -> Order:
    """placeOrder in a child process SIGKILLed right after the catalog reserved."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.orders.checkout.kill_after_reserve",
            _settings_json(stack, databases),
            buyer,
            quote_id,
            key,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)
    assert "dying" in child.stdout
    with Session(stack.engine) as session:
        order = session.scalars(select(Order).where(Order.buyer_id == buyer, Order.idempotency_key == key)).one()
    assert order.status == "RESERVING" and order.payment_intent_id is None
    return order


def _holds(stack: Stack, order_id: uuid.UUID) -> list[tuple[str, str]]:
    with Session(stack.catalog_engine) as session:
        rows = session.scalars(
            select(Reservation).where(col(Reservation.order_ref) == str(order_id)).order_by(col(Reservation.created_at))
        )
        return [(r.idempotency_key, r.status) for r in rows]


def _wait_for(check: Callable[[], bool], seconds: float) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_place_order_killed_after_reserving_and_retried_with_the_same_key_holds_the_stock_once(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 2)])
    key = f"killed-{uuid.uuid4().hex[:12]}"
    dead = _place_and_die(stack, databases, buyer, quote["id"], key)
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 2, "available": 3}
    assert [status for _, status in _holds(stack, dead.id)] == ["ACTIVE"]
    assert stack.orders.get("/orders", headers=as_buyer(buyer)).json()["edges"] == []  # not placed yet

    placed = stack.place(buyer, quote["id"], key)["order"]
    assert placed["id"] == str(dead.id) and placed["status"] == "PENDING_PAYMENT"
    assert _holds(stack, dead.id) == [(dead.reservation_key, "ACTIVE")]  # the same hold, once
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 2, "available": 3}
    assert stack.place(buyer, quote["id"], key, expect=200)["order"]["id"] == placed["id"]

    stack.pay(buyer, placed["id"], stack.card(buyer))
    assert stack.wait_status(placed["id"], "PAID")["payment_status"] == "PAID"
    assert stack.stock(alternator["id"]) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert _holds(stack, dead.id) == [(dead.reservation_key, "COMMITTED")]


def test_a_checkout_killed_after_reserving_and_never_retried_is_cancelled_and_its_stock_released(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 3)])
    key = f"killed-{uuid.uuid4().hex[:12]}"
    dead = _place_and_die(stack, databases, buyer, quote["id"], key)
    assert stack.stock(alternator["id"])["reserved"] == 3

    settings = orders_settings(stack, databases)
    deps = OrdersDeps.build(settings)
    try:
        with Session(stack.engine) as session:
            young = reconcile.reconcile_pending(session, SYSTEM_ACTOR, deps)
            session.commit()
            assert young.checkouts_abandoned == 0  # a retry may still come
            later = utcnow() + timedelta(seconds=settings.checkout_abandon_seconds + 1)
            result = reconcile.reconcile_pending(session, SYSTEM_ACTOR, deps, now=later)
            session.commit()
    finally:
        deps.close()
    assert result.checkouts_abandoned == 1
    assert stack.order(str(dead.id))["status"] == "CANCELLED"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    retried = stack.orders.post(
        "/orders", json={"quote_id": quote["id"], "idempotency_key": key}, headers=as_buyer(buyer)
    )
    assert retried.status_code == 409 and retried.json()["code"] == "CHECKOUT_ABANDONED", retried.text


def test_cancelling_an_unpaid_order_releases_its_units_through_the_order_cancelled_event(
    stack: Stack, databases: Databases, nats_url: str, buyer: str, alternator: dict[str, Any]
) -> None:
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 2)])["id"])["order"]
    assert stack.stock(alternator["id"])["reserved"] == 2
    # This orders process cannot reach the catalog: the cancellation itself releases nothing.
    cut_off = orders_settings(stack, databases, catalog_url=f"http://127.0.0.1:{free_port()}")
    context = worker_context(databases, nats_url, OrdersSettings(database_url=databases.migrated("orders")))
    with RunningWorker(context, consumers=[catalog_release_on_cancel(context)]) as worker:
        with serve_orders(cut_off) as orders:
            asked = time.monotonic()
            cancelled = orders.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
            answered = time.monotonic()
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED", cancelled.text
        _wait_for(lambda: stack.stock(alternator["id"])["reserved"] == 0, seconds=5)
        released = time.monotonic()
        assert worker.runner("catalog-release-on-cancel").applied >= 1
    print(
        f"cancelled in {answered - asked:.2f} s; units released through the event "
        f"{released - answered:.2f} s after the answer ({released - asked:.2f} s after the request)"
    )
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert [status for _, status in _holds(stack, uuid.UUID(order["id"]))] == ["RELEASED"]
