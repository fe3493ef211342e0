"""Sanctions screening at placeOrder: a consignee on the UN list (KPe.001) puts the order on hold;
it may be paid but is not shown to its supplier nor shipped until an admin clears it; a confirmed
match cancels it and gives the whole payment back. An ordinary consignee is not held."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from services.orders.models import EVENTS
from tests.factories import as_supplier
from tests.orders.factories import ADMIN, Stack, as_buyer

SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567890123"}


def address(name: str, company: str = "") -> dict[str, str]:
    return {
        "name": name,
        "company_name": company,
        "street_address": "Hauptstrasse 5",
        "city": "Berlin",
        "postal_code": "10115",
        "country_code": "DE",
    }


def place(stack: Stack, buyer: str, part: dict[str, Any], to: dict[str, str], key: str | None = None) -> Any:
    q = stack.quote(buyer, [(part["id"], 1)])
    body = {"quote_id": q["id"], "idempotency_key": key or f"checkout-{uuid.uuid4()}", "shipping_address": to}
    return stack.orders.post("/orders", json=body, headers=as_buyer(buyer))


def supplier_sees(stack: Stack, part: dict[str, Any], order_id: str) -> bool:
    listed = stack.orders.get("/orders", headers=as_supplier(part["supplier_id"]))
    assert listed.status_code == 200, listed.text
    return order_id in {edge["node"]["id"] for edge in listed.json()["edges"]}


def event_audiences(stack: Stack, order_id: str) -> dict[str, list[str]]:
    """Each order event's type and the suppliers it may be told to (webhooks)."""
    outbox = EVENTS.outbox
    with Session(stack.engine) as session:
        envelopes = session.scalars(select(outbox.c.envelope).order_by(outbox.c.seq)).all()
    return {e["type"]: e["data"]["supplier_ids"] for e in envelopes if e["aggregate_id"] == order_id}


def test_a_listed_consignee_holds_the_order_until_an_admin_clears_it(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    to = address("Kim Chol", "Korea Mining Development Trading Corp.")
    key = f"checkout-{uuid.uuid4()}"
    placed = place(stack, buyer, alternator, to, key)
    assert placed.status_code == 201, placed.text
    order = placed.json()["order"]
    oid = order["id"]
    assert order["screening_status"] == "HELD"  # the buyer's "under review"
    # The same placeOrder again answers with the same order and the same hold (not screened again).
    again = stack.orders.post(
        "/orders", json={"quote_id": order["quote_id"], "idempotency_key": key}, headers=as_buyer(buyer)
    )
    assert again.status_code == 200 and again.json()["order"]["id"] == oid
    assert again.json()["order"]["screening_status"] == "HELD"

    # It may be paid (the stock is then held for the review), but it is not released to the supplier.
    stack.pay(buyer, oid, stack.card(buyer))
    stack.wait_status(oid, "PAID")
    assert not supplier_sees(stack, alternator, oid)
    # Nor told of it by its events (the supplier's webhooks).
    assert event_audiences(stack, oid) == {"order.placed": [], "order.paid": []}
    shipped = stack.orders.post(f"/orders/{oid}/ship", json=SHIP, headers=as_supplier(alternator["supplier_id"]))
    assert shipped.status_code == 409 and shipped.json()["code"] == "SCREENING_HOLD", shipped.text

    # The back office's list: the match with its list, reference, listed name and score.
    holds = stack.orders.get("/screening/holds", headers=ADMIN)
    assert holds.status_code == 200, holds.text
    (held,) = [h for h in holds.json() if h["order_id"] == oid]
    (match,) = held["matches"]
    assert (match["list"], match["reference"], match["listed_name"], match["score"]) == (
        "un",
        "KPe.001",
        "KOREA MINING DEVELOPMENT TRADING CORPORATION",
        100.0,
    )
    assert (match["role"], match["screened_name"]) == ("CONSIGNEE", "Korea Mining Development Trading Corp.")
    assert held["lists"][0]["url"] == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    assert stack.orders.get("/screening/holds", headers=as_buyer(buyer)).status_code == 403

    # Clearing needs an admin and a reason.
    clear = f"/orders/{oid}/screening/clear"
    assert stack.orders.post(clear, json={"reason": "x"}, headers=as_buyer(buyer)).status_code == 403
    blank = stack.orders.post(clear, json={"reason": "  "}, headers=ADMIN)
    assert blank.status_code == 422 and "reason" in blank.text
    cleared = stack.orders.post(
        clear, json={"reason": "consignee is a Berlin garage of that name, not KOMID"}, headers=ADMIN
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["screening_status"] == "CLEARED"
    assert cleared.json()["decision"]["by"] == "acct-admin"
    # Clearing twice is the same answer; confirming after clearing is a conflict.
    assert stack.orders.post(clear, json={"reason": "again"}, headers=ADMIN).json()["screening_status"] == "CLEARED"
    late = stack.orders.post(f"/orders/{oid}/screening/confirm", json={"reason": "changed my mind"}, headers=ADMIN)
    assert late.status_code == 409 and late.json()["code"] == "SCREENING_DECIDED"

    # The order goes on: the supplier sees it and ships it.
    assert supplier_sees(stack, alternator, oid)
    shipped = stack.orders.post(f"/orders/{oid}/ship", json=SHIP, headers=as_supplier(alternator["supplier_id"]))
    assert shipped.status_code == 200 and shipped.json()["status"] == "SHIPPED", shipped.text
    assert event_audiences(stack, oid)["order.shipped"] == [alternator["supplier_id"]]
    assert oid not in {h["order_id"] for h in stack.orders.get("/screening/holds", headers=ADMIN).json()}


def test_a_confirmed_match_cancels_the_order_and_refunds_it_in_full(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    placed = place(stack, buyer, alternator, address("Ri Je-son"))
    order = placed.json()["order"]
    oid = order["id"]
    assert order["screening_status"] == "HELD"
    stack.pay(buyer, oid, stack.card(buyer))
    paid = stack.wait_status(oid, "PAID")

    confirmed = stack.orders.post(
        f"/orders/{oid}/screening/confirm", json={"reason": "KPi.002: name and address match"}, headers=ADMIN
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["screening_status"] == "CONFIRMED"
    assert confirmed.json()["matches"][0]["reference"] == "KPi.002"
    after = stack.order(oid)
    assert after["status"] == "CANCELLED" and after["payment_status"] == "REFUNDED"
    assert after["refunded"]["amount"] == paid["total"]["amount"]
    refunds = stack.stripe.v1.refunds.list(params={"payment_intent": paid["payment_intent_id"]}).data
    assert sorted(r["amount"] for r in refunds) == [paid["total"]["amount"]]
    assert "sanctions screening" in after["history"][-1]["reason"]
    # Confirming again changes nothing and refunds nothing more.
    repeat = stack.orders.post(f"/orders/{oid}/screening/confirm", json={"reason": "again"}, headers=ADMIN)
    assert repeat.status_code == 200 and stack.order(oid)["refunded"]["amount"] == paid["total"]["amount"]


def test_an_ordinary_consignee_is_not_held(stack: Stack, buyer: str, alternator: dict[str, Any]) -> None:
    placed = place(stack, buyer, alternator, address("Jana Becker", "Autohaus Becker GmbH"))
    order = placed.json()["order"]
    assert order["screening_status"] == "CLEAR"
    stack.pay(buyer, order["id"], stack.card(buyer))
    stack.wait_status(order["id"], "PAID")
    assert supplier_sees(stack, alternator, order["id"])
    shipped = stack.orders.post(
        f"/orders/{order['id']}/ship", json=SHIP, headers=as_supplier(alternator["supplier_id"])
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "SHIPPED"
    assert stack.orders.get("/screening/holds", headers=ADMIN).json() == []
    screened = stack.orders.get(f"/orders/{order['id']}/screening", headers=ADMIN).json()
    assert screened["matches"] == [] and [n["name"] for n in screened["lists"]] == [
        "United Nations Security Council Consolidated List"
    ]
