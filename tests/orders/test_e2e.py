"""The issue's end-to-end story: a buyer in Hamburg, a DDP quote in EUR, payment on localstripe,
the signed webhook, shipment, delivery, and the core deposit refunded on localstripe."""

from __future__ import annotations

from typing import Any

from services.orders.finance import ledger
from tests.factories import as_supplier
from tests.orders.factories import ADMIN, INSPECTOR, Stack, as_buyer


def test_ddp_to_germany_paid_shipped_delivered_and_core_deposit_refunded(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    part_id, supplier_id = alternator["id"], alternator["supplier_id"]

    quote = stack.quote(buyer, [(part_id, 2)], country="DE", incoterm="DDP", currency="EUR")
    assert quote["currency"] == "EUR" and quote["duty_status"] == "collected"
    parts = ["goods", "core_deposit", "shipping", "insurance", "duty", "vat"]
    assert quote["total"]["amount"] == sum(quote[k]["amount"] for k in parts)
    assert quote["vat"]["amount"] > 0 and quote["core_deposit"]["amount"] > 0
    # CNY 1,180.00 x 2 at 0.1215 EUR/CNY plus the margin: about EUR 290.
    assert 28_000 < quote["goods"]["amount"] < 30_000
    assert quote["lines"][0]["supplier_id"] == supplier_id

    placed = stack.place(buyer, quote["id"], key="hamburg-checkout-0001")
    order = placed["order"]
    assert order["status"] == "PENDING_PAYMENT" and placed["client_secret"].startswith("pi_")
    assert order["total"] == quote["total"]
    assert stack.stock(part_id) == {"on_hand": 5, "reserved": 2, "available": 3}

    intent = stack.stripe.v1.payment_intents.retrieve(order["payment_intent_id"])
    assert intent["amount"] == quote["total"]["amount"] and intent["currency"] == "eur"
    assert intent["metadata"]["order_id"] == order["id"]

    card = stack.card(buyer)
    paid = stack.pay(buyer, order["id"], card)
    assert paid["payment_intent_status"] == "succeeded"
    # PAID only from the signed webhook that localstripe sends to our endpoint.
    order = stack.wait_status(order["id"], "PAID")
    assert order["payment_status"] == "PAID"
    assert stack.stock(part_id) == {"on_hand": 3, "reserved": 0, "available": 3}

    eur = quote["total"]["amount"]
    assert stack.balance(ledger.STRIPE, "EUR") == eur
    assert stack.balance(ledger.vat_payable("DE"), "EUR") == -quote["vat"]["amount"]
    assert stack.balance(ledger.duty_payable("DE"), "EUR") == -quote["duty"]["amount"]
    assert stack.balance(ledger.CORE_HELD, "EUR") == -quote["core_deposit"]["amount"]
    # The supplier is owed CNY 2,360.00 less the 10 % platform fee, in CNY at the locked price.
    assert stack.balance(ledger.supplier_payable(supplier_id), "CNY") == -212_400
    assert stack.balance(ledger.FEE, "CNY") == -23_600
    assert order["lines"][0]["supplier_payable"] == {"amount": 212_400, "currency": "CNY", "formatted": "CN¥2,124.00"}

    shipped = stack.orders.post(
        f"/orders/{order['id']}/ship",
        json={"carrier": "DHL Express", "tracking_number": "JD014600006253819321"},
        headers=as_supplier(supplier_id),
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "SHIPPED"
    assert shipped.json()["lines"][0]["tracking_number"] == "JD014600006253819321"
    delivered = stack.orders.post(f"/orders/{order['id']}/confirm-delivery", headers=as_buyer(buyer))
    assert delivered.status_code == 200 and delivered.json()["status"] == "DELIVERED"

    line_id = order["lines"][0]["id"]
    requested = stack.orders.post("/core-returns", json={"order_line_id": line_id}, headers=as_buyer(buyer))
    assert requested.status_code == 201, requested.text
    core = requested.json()
    assert core["hub"]["code"] == "EU-DE-HAM" and core["status"] == "REQUESTED"
    decided = stack.orders.post(f"/core-returns/{core['id']}/decision", json={"accepted": True}, headers=INSPECTOR)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "ACCEPTED"
    assert decided.json()["refunded"]["amount"] == quote["core_deposit"]["amount"]

    refunds = stack.stripe.v1.refunds.list(params={"payment_intent": order["payment_intent_id"]})
    assert [r["amount"] for r in refunds.data] == [quote["core_deposit"]["amount"]]
    assert stack.balance(ledger.CORE_HELD, "EUR") == 0
    assert stack.balance(ledger.STRIPE, "EUR") == eur - quote["core_deposit"]["amount"]
    final = stack.order(order["id"])
    assert final["payment_status"] == "PARTIALLY_REFUNDED"
    assert final["refunded"]["amount"] == quote["core_deposit"]["amount"]
    assert [h["to_status"] for h in final["history"]] == [
        "RESERVING",
        "PENDING_PAYMENT",
        "PAID",
        "SHIPPED",
        "DELIVERED",
    ]

    completed = stack.orders.post(f"/orders/{order['id']}/complete", headers=as_buyer(buyer))
    assert completed.status_code == 200 and completed.json()["status"] == "COMPLETED"
    assert stack.order(order["id"], ADMIN)["status"] == "COMPLETED"
