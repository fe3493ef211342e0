"""Lost Stripe events: orders paid at Stripe whose webhooks never arrive are PAID by the worker's
reconcile job, on its first tick, each booked once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select

from services.orders.contract.statuses import OrderStatus
from services.orders.models import LedgerTransaction, Order
from tests.databases import Databases
from tests.ops.worker.helpers import registered, run_until_ticks, worker_context
from tests.orders.factories import Stack, assert_ledger_balanced, orders_settings

ORDERS = 200
# Nobody listens here: localstripe's webhook deliveries fail, as if Stripe's events were lost.
NOWHERE = "http://127.0.0.1:9/webhooks/stripe"


def test_orders_paid_at_stripe_with_their_webhooks_lost_are_all_paid_within_one_reconcile_tick(
    stack: Stack, databases: Databases, buyer: str, nats_url: str
) -> None:
    stack.point_webhooks_at(NOWHERE)
    part = stack.part(stack.supplier(), on_hand=ORDERS)
    card = stack.card(buyer)

    def order_and_pay(_: int) -> dict[str, Any]:
        quote = stack.quote(buyer, [(part["id"], 1)])
        order = stack.place(buyer, quote["id"])["order"]
        paid = stack.pay(buyer, order["id"], card)
        assert paid["payment_intent_status"] == "succeeded", paid
        return order

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        orders = list(pool.map(order_and_pay, range(ORDERS)))
    placed_in = time.monotonic() - started
    ids = {uuid.UUID(order["id"]) for order in orders}
    with Session(stack.engine) as session:
        pending = Counter(session.scalars(select(Order.status).where(col(Order.id).in_(ids))))
    assert pending == {OrderStatus.PENDING_PAYMENT: ORDERS}  # Stripe has the money; we were never told

    def statuses() -> Counter[str]:
        with Session(stack.engine) as session:
            return Counter(session.scalars(select(Order.status).where(col(Order.id).in_(ids))))

    context = worker_context(
        databases,
        nats_url,
        orders=orders_settings(stack, databases),
        reconcile_every_seconds=2,
        # Ask Stripe about every pending order, however young: the default waits two minutes
        # for Stripe's own webhook first.
        reconcile_confirm_after_seconds=0,
    )
    (reconcile,) = registered(context, "reconcile")
    after_tick: list[tuple[float, Counter[str]]] = []

    async def tick_then_look() -> None:
        started = time.monotonic()
        await reconcile.run()
        after_tick.append((time.monotonic() - started, statuses()))

    run_until_ticks(context, [replace(reconcile, run=tick_then_look)], 1, timeout=120)
    reconciled_in, after_first = after_tick[0]
    assert after_first == {OrderStatus.PAID: ORDERS}

    with Session(stack.engine) as session:
        charges = Counter(
            session.scalars(
                select(LedgerTransaction.order_id).where(
                    LedgerTransaction.kind == "charge", col(LedgerTransaction.order_id).in_(ids)
                )
            )
        )
    assert set(charges) == ids and set(charges.values()) == {1}
    assert_ledger_balanced(stack.engine)
    stock = stack.stock(part["id"])
    assert stock == {"on_hand": 0, "reserved": 0, "available": 0}
    print(f"{ORDERS} orders placed and paid in {placed_in:.1f} s; one reconcile tick took {reconciled_in:.1f} s")
