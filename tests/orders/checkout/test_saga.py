"""The stock saga at its edges: a payment that arrives after the catalog swept the reservation,
placeOrder compensating (releasing the stock) when Stripe or the catalog is unreachable, and
reconciliation giving back a reservation the catalog kept for a checkout that never became an order."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, func, select

from services.catalog.models import Reservation
from services.common.clock import utcnow
from services.orders.app import create_app
from services.orders.checkout.service import reservation_key_for
from services.orders.finance import ledger
from services.orders.models import Order
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.harness import Served, free_port
from tests.orders.factories import SYSTEM, WEBHOOK_SECRET, Stack, as_buyer, orders_settings, serve_orders


def _lapse_reservations(stack: Stack) -> None:
    """What happens when a buyer takes longer to pay than the reservation lives."""
    with Session(stack.catalog_engine) as session:
        session.execute(update(Reservation).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    swept = stack.catalog.post("/reservations/sweep", headers=SYSTEM)
    assert swept.status_code == 200 and swept.json()["expired"] >= 1


def test_a_payment_after_the_reservation_lapsed_reserves_again(stack: Stack, buyer: str) -> None:
    part = stack.part(stack.supplier(), on_hand=2)
    order = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    _lapse_reservations(stack)
    assert stack.stock(part["id"])["reserved"] == 0
    stack.pay(buyer, order["id"], stack.card(buyer))
    assert stack.wait_status(order["id"], "PAID")["payment_status"] == "PAID"
    assert stack.stock(part["id"]) == {"on_hand": 1, "reserved": 0, "available": 1}


def test_a_payment_after_the_stock_was_sold_to_someone_else_is_refunded(stack: Stack, buyer: str) -> None:
    part = stack.part(stack.supplier(), on_hand=1)
    slow = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    _lapse_reservations(stack)
    quick = stack.place("acct-quick", stack.quote("acct-quick", [(part["id"], 1)])["id"])["order"]
    stack.pay("acct-quick", quick["id"], stack.card("acct-quick"))
    stack.wait_status(quick["id"], "PAID")
    stack.pay(buyer, slow["id"], stack.card(buyer))
    refunded = stack.wait_status(slow["id"], "CANCELLED")
    assert refunded["payment_status"] == "REFUNDED" and refunded["refunded"] == refunded["total"]
    refunds = stack.stripe.v1.refunds.list(params={"payment_intent": slow["payment_intent_id"]}).data
    assert [r["amount"] for r in refunds] == [slow["total"]["amount"]]
    assert stack.stock(part["id"]) == {"on_hand": 0, "reserved": 0, "available": 0}
    assert stack.balance(ledger.STRIPE, "EUR") == quick["total"]["amount"]


def _count_orders(stack: Stack) -> int:
    with Session(stack.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def test_place_order_releases_the_stock_when_stripe_is_unreachable(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 2)])
    broken = orders_settings(stack, databases, stripe_api_base=f"http://127.0.0.1:{free_port()}")
    with serve_orders(broken) as client:
        body = {"quote_id": quote["id"], "idempotency_key": "stripe-is-down-001"}
        response = client.post("/orders", json=body, headers=as_buyer(buyer))
    assert response.status_code == 503 and response.json()["code"] == "UPSTREAM_UNAVAILABLE"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert _count_orders(stack) == 0
    # Stripe is back: the same key now places the order.
    placed = stack.place(buyer, quote["id"], key="stripe-is-down-001")
    assert placed["order"]["status"] == "PENDING_PAYMENT"
    assert stack.stock(alternator["id"])["reserved"] == 2


def test_an_unreachable_catalog_is_a_503_and_the_same_key_places_the_order_once_it_is_back(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 1)])
    broken = orders_settings(stack, databases, catalog_url=f"http://127.0.0.1:{free_port()}")
    with serve_orders(broken) as client:
        placed = client.post(
            "/orders", json={"quote_id": quote["id"], "idempotency_key": "catalog-down-0001"}, headers=as_buyer(buyer)
        )
        quoted = client.post(
            "/quotes",
            json={
                "lines": [{"part_id": alternator["id"], "quantity": 1}],
                "destination_country": "DE",
                "incoterm": "DDP",
                "currency": "EUR",
            },
            headers=as_buyer(buyer),
        )
    assert placed.status_code == 503 and quoted.status_code == 503
    assert placed.json()["code"] == quoted.json()["code"] == "UPSTREAM_UNAVAILABLE"
    assert "catalog" in placed.json()["detail"]
    # The catalog may have reserved before it went away: the order stays RESERVING, for the
    # retry to resume or the reconcile job to cancel, out of the buyer's list meanwhile.
    with Session(stack.engine) as session:
        assert [o.status for o in session.scalars(select(Order))] == ["RESERVING"]
    assert stack.orders.get("/orders", headers=as_buyer(buyer)).json()["edges"] == []
    again = stack.place(buyer, quote["id"], key="catalog-down-0001")["order"]
    assert again["status"] == "PENDING_PAYMENT"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 1, "available": 4}
    assert _count_orders(stack) == 1


def test_in_development_the_service_registers_its_webhook_with_localstripe(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    port = free_port()
    dev = OrdersSettings(
        environment="development",
        port=port,
        database_url=databases.migrated("orders"),
        stripe_api_base=stack.localstripe_url,
        catalog_url=str(stack.catalog.base_url),
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    served = Served(create_app(dev), port=port).start()
    try:
        stack.point_webhooks_at(f"http://127.0.0.1:{free_port()}/nobody")  # only the dev registration works
        order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
        stack.pay(buyer, order["id"], stack.card(buyer))
        assert stack.wait_status(order["id"], "PAID")["payment_status"] == "PAID"
    finally:
        served.stop()


def test_reconciliation_releases_only_reservations_of_checkouts_that_never_became_orders(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    stack.pay(buyer, order["id"], stack.card(buyer))
    stack.wait_status(order["id"], "PAID")
    abandoned = uuid.uuid4()  # an order rolled back after the catalog reserved for it

    def hold(key: str, order_ref: str | None) -> None:
        body = {"idempotency_key": key, "lines": [{"part_id": alternator["id"], "quantity": 1}], "order_ref": order_ref}
        assert stack.catalog.post("/reservations", json=body, headers=SYSTEM).status_code == 201

    hold(f"order-{abandoned}", str(abandoned))  # the key placeOrder used before its saga
    # A checkout's key whose order placeOrder gave up after the catalog said it held nothing.
    orphan = reservation_key_for("acct-gone", "checkout-given-up")
    hold(orphan, str(uuid.uuid4()))
    hold(f"order-{order['id']}-late", order["id"])  # an order we have: its own business
    hold("warehouse-count-2026-12", None)  # not a checkout's
    assert stack.stock(alternator["id"]) == {"on_hand": 4, "reserved": 4, "available": 0}

    recent = stack.orders.post("/reconcile/pending", headers=SYSTEM)  # nothing is old enough yet
    assert recent.status_code == 200 and recent.json()["reservations_released"] == 0
    result = stack.orders.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert result.status_code == 200 and result.json()["reservations_released"] == 2, result.text
    assert stack.stock(alternator["id"]) == {"on_hand": 4, "reserved": 2, "available": 2}
    for key in (f"order-{abandoned}", orphan):
        assert stack.catalog.get(f"/reservations/{key}", headers=SYSTEM).json()["status"] == "RELEASED"
    assert stack.order(order["id"])["status"] == "PAID"
