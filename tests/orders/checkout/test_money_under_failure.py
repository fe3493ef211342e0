"""Money and stock when Stripe or the catalog fails, and when a payment is not the order's.

A cancellation refunds before it restocks: a refund that fails keeps the order PAID with its
units sold, and the reconciliation run (or a repeated cancel) finishes it once Stripe answers.
A payment of another amount or currency is held for review, never PAID. An intent that a
restarted localstripe forgot does not strand its order.
"""

from __future__ import annotations

import time
from typing import Any

from services.orders.finance import ledger
from tests.databases import Databases
from tests.factories import as_supplier
from tests.harness import free_port, localstripe
from tests.orders.factories import ADMIN, SYSTEM, Stack, as_buyer, orders_settings, paid_order, serve_orders


def _refunds(stack: Stack, intent_id: str) -> list[int]:
    return sorted(r["amount"] for r in stack.stripe.v1.refunds.list(params={"payment_intent": intent_id}).data)


def _reconcile(stack: Stack) -> dict[str, int]:
    response = stack.orders.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _wait_payment_status(stack: Stack, order_id: str, status: str, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (order := stack.order(order_id))["payment_status"] != status:
        assert time.monotonic() < deadline, f"payment of {order_id} is {order['payment_status']}, expected {status}"
        time.sleep(0.1)
    return order


def test_a_failed_refund_keeps_the_order_paid_and_its_units_sold_until_reconciliation_refunds_it(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    order = paid_order(stack, buyer, alternator, 2)
    total = order["total"]["amount"]
    sold = {"on_hand": 3, "reserved": 0, "available": 3}
    assert stack.stock(alternator["id"]) == sold

    stripe_down = orders_settings(stack, databases, stripe_api_base=f"http://127.0.0.1:{free_port()}")
    with serve_orders(stripe_down) as client:
        cancel = client.post(
            f"/orders/{order['id']}/cancel", json={"reason": "found one locally"}, headers=as_buyer(buyer)
        )
        again = client.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
    assert cancel.status_code == 503, cancel.text
    problem = cancel.json()
    assert problem["code"] == "UPSTREAM_UNAVAILABLE" and problem["field"] == "status"
    assert "refund" in problem["detail"] and "finished automatically" in problem["detail"]
    assert again.status_code == 503  # a retry while Stripe is still down changes nothing either

    waiting = stack.order(order["id"])
    assert waiting["status"] == "PAID" and waiting["payment_status"] == "PAID"
    assert waiting["cancel_requested_at"] is not None
    assert waiting["attention"].startswith("the refund failed")
    assert stack.stock(alternator["id"]) == sold  # nothing back on sale while the money is held
    assert _refunds(stack, order["payment_intent_id"]) == []
    assert stack.balance(ledger.STRIPE, "EUR") == total
    ship = stack.orders.post(
        f"/orders/{order['id']}/ship",
        json={"carrier": "SF Express", "tracking_number": "SF1234567890123"},
        headers=as_supplier(alternator["supplier_id"]),
    )
    assert ship.status_code == 409 and "cancellation" in ship.json()["detail"]  # the buyer asked to cancel

    # Stripe answers again: the scheduler's reconciliation finishes the cancellation.
    result = _reconcile(stack)
    assert result["cancellations_finished"] == 1 and result["cancellations_pending"] == 0
    done = stack.order(order["id"])
    assert done["status"] == "CANCELLED" and done["payment_status"] == "REFUNDED"
    assert done["attention"] is None and done["history"][-1]["reason"] == "found one locally"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert _refunds(stack, order["payment_intent_id"]) == [total]
    assert stack.balance(ledger.STRIPE, "EUR") == 0
    assert _reconcile(stack)["cancellations_finished"] == 0
    assert _refunds(stack, order["payment_intent_id"]) == [total]


def test_a_failed_restock_after_the_refund_keeps_the_refund_and_a_repeated_cancel_finishes(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    order = paid_order(stack, buyer, alternator, 1)
    total = order["total"]["amount"]
    catalog_down = orders_settings(stack, databases, catalog_url=f"http://127.0.0.1:{free_port()}")
    with serve_orders(catalog_down) as client:
        cancel = client.post(f"/orders/{order['id']}/cancel", headers=ADMIN)
    assert cancel.status_code == 503 and cancel.json()["code"] == "UPSTREAM_UNAVAILABLE", cancel.text

    waiting = stack.order(order["id"])
    assert waiting["status"] == "PAID" and waiting["payment_status"] == "REFUNDED"
    assert "could not be put back on sale" in waiting["attention"]
    assert _refunds(stack, order["payment_intent_id"]) == [total]  # the money is back with the buyer
    assert stack.stock(alternator["id"]) == {"on_hand": 4, "reserved": 0, "available": 4}

    finished = stack.orders.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
    assert finished.status_code == 200, finished.text
    assert finished.json()["status"] == "CANCELLED" and finished.json()["attention"] is None
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert _refunds(stack, order["payment_intent_id"]) == [total]  # refunded once, not twice
    assert stack.balance(ledger.STRIPE, "EUR") == 0


def test_a_payment_of_another_amount_is_held_for_review_and_given_back_on_cancel(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    q = stack.quote(buyer, [(alternator["id"], 1)])
    order = stack.place(buyer, q["id"])["order"]
    intent_id = order["payment_intent_id"]
    # Someone holding the client secret changes the amount to 0.50 and confirms it at Stripe.
    card = stack.card(buyer)
    stack.stripe.v1.payment_intents.update(intent_id, params={"amount": 50, "payment_method": card})
    stack.stripe.v1.payment_intents.confirm(intent_id)
    assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] == "succeeded"

    held = _wait_payment_status(stack, order["id"], "REVIEW")
    assert held["status"] == "PENDING_PAYMENT" and held["paid_at"] is None
    assert "€0.50" in held["attention"] and order["total"]["formatted"] in held["attention"]
    assert stack.balance(ledger.UNMATCHED, "EUR") == -50 and stack.balance(ledger.STRIPE, "EUR") == 50
    assert stack.stock(alternator["id"])["reserved"] == 1  # never committed as sold

    # Reconciliation leaves it to an admin; paying again is refused.
    assert _reconcile(stack)["checked"] == 0
    assert stack.order(order["id"])["payment_status"] == "REVIEW"
    repay = stack.pay(buyer, order["id"], stack.card(buyer), expect=409)
    assert repay["code"] == "PAYMENT_HELD_FOR_REVIEW"

    cancelled = stack.orders.post(f"/orders/{order['id']}/cancel", headers=ADMIN)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED" and cancelled.json()["payment_status"] == "REFUNDED"
    assert _refunds(stack, intent_id) == [50]
    assert stack.balance(ledger.UNMATCHED, "EUR") == 0 and stack.balance(ledger.STRIPE, "EUR") == 0
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}


def test_pay_order_charges_nothing_when_the_intent_no_longer_asks_the_orders_amount(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    for change in ({"amount": 50}, {"currency": "usd"}):
        q = stack.quote(buyer, [(alternator["id"], 1)])
        order = stack.place(buyer, q["id"])["order"]
        intent_id = order["payment_intent_id"]
        stack.stripe.v1.payment_intents.update(intent_id, params=change)  # type: ignore[arg-type]

        refused = stack.pay(buyer, order["id"], stack.card(buyer), expect=409)
        assert refused["code"] == "PAYMENT_HELD_FOR_REVIEW" and "nothing was charged" in refused["detail"]
        assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] != "succeeded"
        held = stack.order(order["id"])
        assert held["status"] == "PENDING_PAYMENT" and held["payment_status"] == "REVIEW"

        cancelled = stack.orders.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "CANCELLED" and cancelled.json()["payment_status"] == "FAILED"
        assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] == "canceled"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert stack.balance(ledger.STRIPE, "EUR") == 0


def test_orders_whose_intents_a_restarted_localstripe_forgot_are_released_by_reconciliation(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    abandoned = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 2)])["id"])["order"]
    cancelled_by_buyer = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    assert stack.stock(alternator["id"])["reserved"] == 3
    with (
        localstripe() as fresh_url,
        serve_orders(orders_settings(stack, databases, stripe_api_base=fresh_url)) as client,
    ):
        cancel = client.post(f"/orders/{cancelled_by_buyer['id']}/cancel", headers=as_buyer(buyer))
        reconciled = client.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert cancel.status_code == 200 and cancel.json()["status"] == "CANCELLED", cancel.text
    assert reconciled.status_code == 200, reconciled.text
    assert reconciled.json()["cancelled"] == 1 and reconciled.json()["left_pending"] == 0
    assert stack.order(abandoned["id"])["status"] == "CANCELLED"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
